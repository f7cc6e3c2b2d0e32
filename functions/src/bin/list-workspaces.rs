//! Lambda function for `GET /workspaces`.

#[tokio::main]
async fn main() -> Result<(), gopimi_workspaces::lambda::Error> {
    gopimi_workspaces::lambda::serve_route("list-workspaces").await
}
