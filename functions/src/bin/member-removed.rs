//! Lambda function on the table's stream: unassigns a removed member's tickets.

#[tokio::main]
async fn main() -> Result<(), gopimi_workspaces::lambda::Error> {
    gopimi_workspaces::lambda::serve_stream_consumer("member-removed").await
}
