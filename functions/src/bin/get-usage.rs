//! Lambda function for `GET /workspaces/{slug}/usage`.

#[tokio::main]
async fn main() -> Result<(), gopimi_workspaces::lambda::Error> {
    gopimi_workspaces::lambda::serve_route("get-usage").await
}
