//! Lambda function for `GET /invitations/{token} `.

#[tokio::main]
async fn main() -> Result<(), gopimi_workspaces::lambda::Error> {
    gopimi_workspaces::lambda::serve_route("get-invitation").await
}
