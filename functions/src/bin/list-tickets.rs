//! Lambda function for `GET /workspaces/{slug}/tickets`.

#[tokio::main]
async fn main() -> Result<(), gopimi_workspaces::lambda::Error> {
    gopimi_workspaces::lambda::serve_route("list-tickets").await
}
