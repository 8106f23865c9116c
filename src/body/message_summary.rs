//! `application/simple-message-summary` (RFC 3842) → [`MessageSummary`]:
//! how many new voice messages wait for the person.
//!
//! A text body of `Name: value` lines; we read `Messages-Waiting` and the
//! `Voice-Message: new/old (urgent-new/urgent-old)` line. Other message
//! classes (fax, pager…) are ignored: the mark is about voicemail. A line
//! that cannot be read is an error (the last count is kept, not current).

use super::BodyError;
use crate::text::harmless_line;

/// What a message-summary body says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MessageSummary {
    pub waiting: bool,
    /// New (unheard) voice messages.
    pub new: u32,
    pub old: u32,
}

/// Bodies are a few lines; anything larger is refused.
const MAX_SUMMARY: usize = 16 * 1024;

pub fn parse(body: &[u8]) -> Result<MessageSummary, BodyError> {
    if body.len() > MAX_SUMMARY {
        return Err(BodyError::TooLarge(body.len()));
    }
    let text = std::str::from_utf8(body).map_err(|_| BodyError::NotUtf8)?;
    let mut waiting = None;
    let mut counts = None;
    for line in text.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "messages-waiting" => {
                waiting = Some(match value.to_ascii_lowercase().as_str() {
                    "yes" => true,
                    "no" => false,
                    _ => return Err(invalid("Messages-Waiting (yes|no)", value)),
                })
            }
            "voice-message" => counts = Some(voice_counts(value)?),
            _ => {}
        }
    }
    let waiting = waiting.ok_or_else(|| invalid("Messages-Waiting (required line missing)", ""))?;
    let (new, old) = counts.unwrap_or((u32::from(waiting), 0));
    Ok(MessageSummary { waiting, new, old })
}

/// `2/8 (0/2)` → (2, 8).
fn voice_counts(value: &str) -> Result<(u32, u32), BodyError> {
    let main = value.split('(').next().unwrap_or_default();
    let (new, old) = main
        .split_once('/')
        .ok_or_else(|| invalid("Voice-Message (new/old)", value))?;
    let num = |s: &str| {
        s.trim()
            .parse::<u32>()
            .map_err(|_| invalid("Voice-Message (new/old)", value))
    };
    Ok((num(new)?, num(old)?))
}

fn invalid(what: &'static str, value: &str) -> BodyError {
    BodyError::Invalid {
        what,
        value: harmless_line(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3842_example() {
        let body = b"Messages-Waiting: yes\r\nMessage-Account: sip:alice@vmail.example.com\r\nVoice-Message: 4/8 (1/2)\r\n";
        assert_eq!(
            parse(body).unwrap(),
            MessageSummary {
                waiting: true,
                new: 4,
                old: 8
            }
        );
        assert_eq!(parse(b"Messages-Waiting: no\r\n").unwrap().new, 0);
        assert_eq!(parse(b"Messages-Waiting: yes\r\n").unwrap().new, 1);
    }

    #[test]
    fn unreadable_summaries_are_errors() {
        assert!(parse(b"Voice-Message: 1/2\r\n").is_err());
        assert!(parse(b"Messages-Waiting: perhaps\r\n").is_err());
        assert!(parse(b"Messages-Waiting: yes\r\nVoice-Message: x/y\r\n").is_err());
    }
}
