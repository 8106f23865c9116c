//! Reading SIP messages off a TCP byte stream, sans-IO: bytes go in as
//! they arrive, whole messages come out.
//!
//! A message whose Content-Length is over [`MAX_CONTENT_LENGTH`] does not
//! end the stream: its header section comes out as
//! [`StreamItem::Oversized`] (so it can be answered, e.g. with 413) and
//! its body is read past and discarded as it arrives. Closing the
//! connection instead made a server that sends one big NOTIFY drive us
//! into a reconnect loop, each new connection getting the same NOTIFY.
//! Other framing errors (no Content-Length, a header section over
//! [`MAX_HEADER_SECTION`]) leave no way to find the next message: the
//! caller closes the connection.

use super::CodecError;
use super::parse::{MAX_CONTENT_LENGTH, header_end, next_frame};
use super::{Frame, MAX_HEADER_SECTION};

/// What [`StreamReader::next_item`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamItem {
    /// CR/LF keepalive bytes; four or more are a ping (answer `\r\n`).
    Keepalive(usize),
    /// One whole message, for [`super::parse`].
    Message(Vec<u8>),
    /// The header section of a message whose body of `length` bytes is over
    /// the limit, for [`super::parse_head`]. The body is being discarded.
    Oversized { head: Vec<u8>, length: usize },
}

/// A TCP stream's receive buffer and framing state.
#[derive(Debug, Default)]
pub struct StreamReader {
    buf: Vec<u8>,
    /// Body bytes of an oversized message still to be thrown away.
    discard: usize,
}

impl StreamReader {
    pub fn new() -> Self {
        StreamReader::default()
    }

    /// Bytes as they came off the socket.
    pub fn push(&mut self, bytes: &[u8]) {
        let skip = self.discard.min(bytes.len());
        self.discard -= skip;
        self.buf
            .extend_from_slice(bytes.get(skip..).unwrap_or_default());
    }

    /// The next complete item, `Ok(None)` when more bytes are needed. After
    /// an error the stream cannot be resynchronised: close the connection.
    pub fn next_item(&mut self) -> Result<Option<StreamItem>, CodecError> {
        match next_frame(&self.buf) {
            Ok(None) => Ok(None),
            Ok(Some(Frame::Keepalive(n))) => {
                self.buf.drain(..n.min(self.buf.len()));
                Ok(Some(StreamItem::Keepalive(n)))
            }
            Ok(Some(Frame::Message(n))) => {
                let msg = self.buf.drain(..n.min(self.buf.len())).collect();
                Ok(Some(StreamItem::Message(msg)))
            }
            Err(CodecError::ContentLengthTooLarge { length }) => {
                let end = header_end(&self.buf)
                    .filter(|&e| e <= MAX_HEADER_SECTION)
                    .ok_or(CodecError::ContentLengthTooLarge { length })?;
                let head: Vec<u8> = self.buf.drain(..end).collect();
                let here = length.min(self.buf.len());
                self.buf.drain(..here);
                self.discard = length - here;
                tracing::debug!(
                    length,
                    limit = MAX_CONTENT_LENGTH,
                    "discarding an oversized body"
                );
                Ok(Some(StreamItem::Oversized { head, length }))
            }
            Err(e) => Err(e),
        }
    }

    /// Forget everything (a new connection).
    pub fn clear(&mut self) {
        self.buf.clear();
        self.discard = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADERS: &str = "Via: SIP/2.0/TCP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\nCall-ID: c\r\nCSeq: 2 NOTIFY\r\n";

    fn message(length: usize, body: &[u8]) -> Vec<u8> {
        let mut m = format!("NOTIFY sip:b@h SIP/2.0\r\n{HEADERS}Content-Length: {length}\r\n\r\n")
            .into_bytes();
        m.extend_from_slice(body);
        m
    }

    #[test]
    fn an_oversized_body_is_read_past_and_the_next_message_comes_through() {
        let big = MAX_CONTENT_LENGTH + 10;
        let after = message(2, b"ok");
        let mut stream = message(big, &vec![b'<'; big]);
        stream.extend_from_slice(&after);
        let mut r = StreamReader::new();
        let mut items = Vec::new();
        // Arrives in 16 KiB reads, as from a socket.
        for chunk in stream.chunks(16_384) {
            r.push(chunk);
            while let Some(item) = r.next_item().expect("the stream stays usable") {
                items.push(item);
            }
        }
        assert_eq!(items.len(), 2, "{items:?}");
        match &items[0] {
            StreamItem::Oversized { head, length } => {
                assert_eq!(*length, big);
                let msg = super::super::parse_head(head).expect("the head parses");
                assert!(matches!(msg, super::super::Message::Request(_)));
            }
            other => panic!("expected the oversized head, got {other:?}"),
        }
        assert_eq!(items[1], StreamItem::Message(after));
    }

    #[test]
    fn a_stream_without_content_length_is_still_an_error() {
        let mut r = StreamReader::new();
        r.push(format!("NOTIFY sip:b@h SIP/2.0\r\n{HEADERS}\r\n").as_bytes());
        assert_eq!(r.next_item(), Err(CodecError::MissingContentLength));
    }
}
