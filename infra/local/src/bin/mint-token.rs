//! Prints a local bearer token: `mint-token EMAIL [--admin] [--unverified] [--sub ID]`.
//! The `sub` defaults to a stable id derived from the email, so the same email is the same user.

use gopimi_local::authorizer::{DEFAULT_LOCAL_JWT_SECRET, TokenRequest, local_user_id, mint};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut email = None;
    let mut sub = None;
    let mut admin = false;
    let mut verified = true;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--admin" => admin = true,
            "--unverified" => verified = false,
            "--sub" => sub = args.next(),
            other if email.is_none() && !other.starts_with("--") => {
                email = Some(other.trim().to_lowercase())
            }
            other => {
                eprintln!(
                    "unexpected argument {other:?}\nusage: mint-token EMAIL [--admin] [--unverified] [--sub ID]"
                );
                std::process::exit(2);
            }
        }
    }
    let Some(email) = email else {
        eprintln!("usage: mint-token EMAIL [--admin] [--unverified] [--sub ID]");
        std::process::exit(2);
    };
    let sub = sub.unwrap_or_else(|| local_user_id(&email));
    let secret = std::env::var("LOCAL_JWT_SECRET")
        .ok()
        .filter(|s| !s.is_empty());
    let groups = if admin {
        vec!["admins".to_string()]
    } else {
        Vec::new()
    };
    let token = mint(
        secret.as_deref().unwrap_or(DEFAULT_LOCAL_JWT_SECRET),
        &TokenRequest {
            sub: &sub,
            email: &email,
            email_verified: verified,
            groups: &groups,
        },
    );
    println!("{token}");
}
