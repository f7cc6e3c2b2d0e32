//! The emails the service sends, each with an HTML and a text part. Every name that came
//! from a user (workspace, inviter, invitee) is HTML-escaped in the HTML part.

use html_escape::encode_text;

use crate::mailer::OutgoingEmail;

/// The invitation (I4): the product's page for the token, with accept and decline links.
pub fn invitation(
    to: &str,
    workspace_name: &str,
    inviter: &str,
    role: &str,
    base_url: &str,
    token: &str,
    expires_at: &str,
) -> OutgoingEmail {
    let page = format!("{base_url}/invitations/{token}");
    let accept = format!("{page}?action=accept");
    let decline = format!("{page}?action=decline");
    let subject = format!("You are invited to join {workspace_name} on GoPimi");
    let text = format!(
        "{inviter} invited you to join the workspace \"{workspace_name}\" on GoPimi as {role}.\n\n\
         Accept: {accept}\n\
         Decline: {decline}\n\n\
         The invitation expires at {expires_at}. If you did not expect it, ignore this email.\n"
    );
    let (workspace_name, inviter) = (encode_text(workspace_name), encode_text(inviter));
    let html = format!(
        "<!doctype html><html><body>\
         <p><strong>{inviter}</strong> invited you to join the workspace \
         <strong>{workspace_name}</strong> on GoPimi as {role}.</p>\
         <p><a href=\"{accept}\">Accept the invitation</a> · <a href=\"{decline}\">Decline</a></p>\
         <p>Or open <a href=\"{page}\">{page}</a>. The invitation expires at {expires_at}.</p>\
         <p>If you did not expect this invitation, ignore this email.</p>\
         </body></html>"
    );
    OutgoingEmail {
        to: to.to_string(),
        subject,
        html,
        text,
    }
}

/// To the inviter, once the invitee joined.
pub fn invitation_accepted(to: &str, workspace_name: &str, joined: &str) -> OutgoingEmail {
    let subject = format!("{joined} joined {workspace_name} on GoPimi");
    let text =
        format!("{joined} accepted your invitation and is now a member of \"{workspace_name}\".\n");
    let html = format!(
        "<!doctype html><html><body><p><strong>{}</strong> accepted your invitation and is now \
         a member of <strong>{}</strong>.</p></body></html>",
        encode_text(joined),
        encode_text(workspace_name)
    );
    OutgoingEmail {
        to: to.to_string(),
        subject,
        html,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i4_names_are_escaped_in_html_and_links_use_the_base_url() {
        let email = invitation(
            "bo@example.com",
            "<script>alert(1)</script>",
            "Ada & <b>Co</b>",
            "member",
            "https://app.example.com",
            "TOKEN",
            "2026-12-10T00:00:00Z",
        );
        assert!(email.subject.contains("<script>alert(1)</script>"));
        assert!(!email.html.contains("<script>"));
        assert!(email.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(email.html.contains("Ada &amp; &lt;b&gt;Co&lt;/b&gt;"));
        assert!(
            email
                .html
                .contains("https://app.example.com/invitations/TOKEN?action=accept")
        );
        assert!(
            email
                .text
                .contains("https://app.example.com/invitations/TOKEN?action=decline")
        );
    }
}
