//! Lambda function for `PUT /admin/users/{user_id}/plan`.

#[tokio::main]
async fn main() -> Result<(), gopimi_workspaces::lambda::Error> {
    gopimi_workspaces::lambda::serve_route("set-user-plan").await
}
