//! Lambda function on the table's stream: audits an accepted invitation and tells the inviter.

#[tokio::main]
async fn main() -> Result<(), gopimi_workspaces::lambda::Error> {
    gopimi_workspaces::lambda::serve_stream_consumer("invitation-accepted").await
}
