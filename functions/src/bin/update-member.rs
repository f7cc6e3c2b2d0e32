//! Lambda function for `PATCH /workspaces/{slug}/members/{user_id}`.

#[tokio::main]
async fn main() -> Result<(), gopimi_workspaces::lambda::Error> {
    gopimi_workspaces::lambda::serve_route("update-member").await
}
