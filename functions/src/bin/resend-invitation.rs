//! Lambda function for `POST /workspaces/{slug}/invitations/{id}/resend `.

#[tokio::main]
async fn main() -> Result<(), gopimi_workspaces::lambda::Error> {
    gopimi_workspaces::lambda::serve_route("resend-invitation").await
}
