// Package notify delivers the hijack detector's incident lifecycle
// notifications to the people who must act on them.
//
// It owns:
//
//   - the generic Notification (the detector builds it; this package does
//     not know the detector's types) and the Channel interface;
//   - the alert channels: Webhook (JSON over HTTP with retries), Slack
//     (incoming-webhook payload, also understood by Mattermost), Email
//     (SMTP with STARTTLS or implicit TLS, via net/smtp) and Syslog
//     (RFC 5424 over UDP, TCP with RFC 6587 octet counting, or a Unix
//     socket);
//   - the channels' YAML configuration (ChannelConfig) and its validation;
//   - the Dispatcher, which routes each notification to the channels of
//     its group that accept its event and severity, limits "updated"
//     notifications to one per incident per update interval, suppresses
//     duplicates, rate-limits each channel, and delivers through one
//     bounded queue and worker per channel, so that neither a slow channel
//     nor a slow network ever blocks detection or the other channels;
//   - the delivery metrics (namespace routestat, subsystem hijack_notify).
//
// Delivery is at most once per Dispatch: a notification that still fails
// after a channel's own retries is counted and logged, not queued again.
package notify
