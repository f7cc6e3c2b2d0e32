//! Lambda function for `POST /invitations/{token}/accept `.

#[tokio::main]
async fn main() -> Result<(), gopimi_workspaces::lambda::Error> {
    gopimi_workspaces::lambda::serve_route("accept-invitation").await
}
