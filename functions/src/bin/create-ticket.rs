//! Lambda function for `POST /workspaces/{slug}/tickets`.

#[tokio::main]
async fn main() -> Result<(), gopimi_workspaces::lambda::Error> {
    gopimi_workspaces::lambda::serve_route("create-ticket").await
}
