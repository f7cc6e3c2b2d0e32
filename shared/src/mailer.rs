//! Outgoing email through SES v2 (a local SES v2 emulator in development and tests).

use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

/// One email with an HTML and a text part.
#[derive(Clone, Debug)]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub html: String,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
#[error("sending email failed: {0}")]
pub struct MailError(pub String);

#[derive(Clone, Debug)]
pub struct Mailer {
    client: Client,
    from: String,
}

impl Mailer {
    pub fn new(client: Client, from: String) -> Self {
        Mailer { client, from }
    }

    /// Sends one email; returns the SES message id.
    pub async fn send(&self, email: &OutgoingEmail) -> Result<String, MailError> {
        let content = |data: &str| Content::builder().data(data).charset("UTF-8").build();
        let message = Message::builder()
            .subject(content(&email.subject).map_err(|e| MailError(e.to_string()))?)
            .body(
                Body::builder()
                    .html(content(&email.html).map_err(|e| MailError(e.to_string()))?)
                    .text(content(&email.text).map_err(|e| MailError(e.to_string()))?)
                    .build(),
            )
            .build();
        let output = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(&email.to).build())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .map_err(|e| {
                MailError(aws_smithy_types::error::display::DisplayErrorContext(&e).to_string())
            })?;
        Ok(output.message_id.unwrap_or_default())
    }
}
