//! Lambda function for `DELETE /workspaces/{slug}/invitations/{id} `.

#[tokio::main]
async fn main() -> Result<(), gopimi_workspaces::lambda::Error> {
    gopimi_workspaces::lambda::serve_route("cancel-invitation").await
}
