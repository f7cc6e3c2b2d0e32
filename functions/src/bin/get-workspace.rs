//! Lambda function for `GET /workspaces/{slug}`.

#[tokio::main]
async fn main() -> Result<(), gopimi_workspaces::lambda::Error> {
    gopimi_workspaces::lambda::serve_route("get-workspace").await
}
