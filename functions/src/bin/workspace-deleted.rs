//! Lambda function on the table's stream: purges a workspace after its creator deleted it.

#[tokio::main]
async fn main() -> Result<(), gopimi_workspaces::lambda::Error> {
    gopimi_workspaces::lambda::serve_stream_consumer("workspace-deleted").await
}
