//! Lambda function for `PATCH /workspaces/{slug}`.

#[tokio::main]
async fn main() -> Result<(), gopimi_workspaces::lambda::Error> {
    gopimi_workspaces::lambda::serve_route("update-workspace").await
}
