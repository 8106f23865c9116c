//! The driver's stream side (TCP and TLS): whole messages read from the
//! stream, writes as the socket takes them, connecting and losing the
//! connection.

use super::*;

impl Driver {
    /// Read what the stream has and hand every whole message to the engine.
    pub(super) fn read_tcp(&mut self) {
        let Io::Tcp {
            stream: Some(s),
            reader,
            ..
        } = &mut self.io
        else {
            return;
        };
        let mut chunk = [0u8; 16_384];
        match s.read_into(&mut chunk, reader) {
            Ok(true) => {}
            Ok(false) => return self.tcp_lost("the server closed the connection".into()),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) => return self.tcp_lost(e.to_string()),
        }
        let now = Instant::now();
        let from = Some(self.server);
        loop {
            match reader.next_item() {
                Ok(None) => break,
                Ok(Some(StreamItem::Keepalive(_))) => {}
                Ok(Some(StreamItem::Message(msg))) => {
                    trace(&mut self.trace, self.trace_live, &self.events, from, &msg);
                    self.engine.handle_datagram(now, from, &msg)
                }
                Ok(Some(StreamItem::Oversized { head, length })) => {
                    // Only its head is kept (the body was discarded unread).
                    trace(&mut self.trace, self.trace_live, &self.events, from, &head);
                    self.engine.handle_oversized(now, from, &head, length)
                }
                Err(e) => return self.tcp_lost(format!("unreadable SIP stream: {e}")),
            }
        }
    }

    pub(super) fn write_tcp(&mut self) {
        let Io::Tcp {
            stream: Some(s),
            outbuf,
            ..
        } = &mut self.io
        else {
            return;
        };
        if let Err(e) = s.try_write(outbuf) {
            self.tcp_lost(e.to_string());
        }
    }

    pub(super) fn on_connected(&mut self, r: io::Result<Stream>) {
        let Io::Tcp {
            stream,
            reader,
            outbuf,
            connecting,
        } = &mut self.io
        else {
            return;
        };
        *connecting = None;
        let now = Instant::now();
        match r {
            Ok(new) => {
                if let Ok(local) = new.local_addr() {
                    self.engine.set_local_addr(local);
                }
                let over = self.engine.config().transport.as_str();
                tracing::info!(server = %self.server, "{over} connection established");
                *stream = Some(new);
                reader.clear();
                outbuf.clear();
                self.engine.transport_connected(now);
            }
            Err(e) => {
                // Every attempt while the server is away: the reason is
                // shown by the connection state, not repeated in the log.
                tracing::debug!(server = %self.server, "connect failed: {e}");
                self.engine.connect_failed(now, &e.to_string());
            }
        }
    }

    pub(super) fn tcp_lost(&mut self, why: String) {
        if let Io::Tcp {
            stream,
            reader,
            outbuf,
            ..
        } = &mut self.io
        {
            tracing::warn!(server = %self.server, "{why}");
            *stream = None;
            reader.clear();
            outbuf.clear();
        }
        self.engine.transport_lost(Instant::now(), &why);
    }

    pub(super) async fn flush_tcp(&mut self) {
        let Io::Tcp {
            stream: Some(s),
            outbuf,
            ..
        } = &mut self.io
        else {
            return;
        };
        s.close();
        while s.wants_write(outbuf) {
            if s.tcp().writable().await.is_err() || s.try_write(outbuf).is_err() {
                break;
            }
        }
    }
}
