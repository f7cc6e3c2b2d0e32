//! Lambda function for `POST /invitations/{token}/decline `.

#[tokio::main]
async fn main() -> Result<(), gopimi_workspaces::lambda::Error> {
    gopimi_workspaces::lambda::serve_route("decline-invitation").await
}
