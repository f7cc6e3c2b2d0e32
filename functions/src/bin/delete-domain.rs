//! Lambda function for `DELETE /workspaces/{slug}/domains/{domain}`.

#[tokio::main]
async fn main() -> Result<(), gopimi_workspaces::lambda::Error> {
    gopimi_workspaces::lambda::serve_route("delete-domain").await
}
