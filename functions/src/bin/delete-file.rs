//! Lambda function for `DELETE /workspaces/{slug}/files/{id}`.

#[tokio::main]
async fn main() -> Result<(), gopimi_workspaces::lambda::Error> {
    gopimi_workspaces::lambda::serve_route("delete-file").await
}
