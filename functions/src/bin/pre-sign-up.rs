//! Lambda function for the Cognito pre-sign-up trigger: invited addresses arrive verified.

#[tokio::main]
async fn main() -> Result<(), gopimi_workspaces::lambda::Error> {
    gopimi_workspaces::lambda::serve_cognito_trigger("pre-sign-up").await
}
