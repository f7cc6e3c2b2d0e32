//! Lambda function for `PUT /admin/users/{user_id}/limits`.

#[tokio::main]
async fn main() -> Result<(), gopimi_workspaces::lambda::Error> {
    gopimi_workspaces::lambda::serve_route("set-user-limits").await
}
