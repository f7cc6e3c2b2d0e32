//! Lambda function for `DELETE /workspaces/{slug}/webhooks/{id}`.

#[tokio::main]
async fn main() -> Result<(), gopimi_workspaces::lambda::Error> {
    gopimi_workspaces::lambda::serve_route("delete-webhook").await
}
