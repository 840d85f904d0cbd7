-- Calendar events with attendees, and the texts they send: invitations,
-- updates, cancellations, reminders and acknowledgements of Y/N replies.

-- +goose Up
-- How many days before an event a reminder is texted (0: none).
ALTER TABLE firms ADD COLUMN IF NOT EXISTS reminder_days integer NOT NULL DEFAULT 0
    CHECK (reminder_days BETWEEN 0 AND 7);

CREATE TABLE IF NOT EXISTS events (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id             bigint NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    matter_id           bigint,
    title               text NOT NULL CHECK (title <> ''),
    starts_at           timestamptz NOT NULL,
    ends_at             timestamptz NOT NULL,
    location            text NOT NULL DEFAULT '',
    description         text NOT NULL DEFAULT '',
    cancelled_at        timestamptz,
    created_by_user_id  bigint,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (firm_id, id),
    CHECK (ends_at >= starts_at),
    FOREIGN KEY (firm_id, matter_id) REFERENCES matters (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, created_by_user_id) REFERENCES users (firm_id, id)
);
CREATE INDEX IF NOT EXISTS events_firm_start_idx ON events (firm_id, starts_at);
CREATE INDEX IF NOT EXISTS events_matter_start_idx ON events (firm_id, matter_id, starts_at) WHERE matter_id IS NOT NULL;

-- Who is invited: a firm user or a contact. A removed attendee keeps the
-- row (removed_at), so what was sent to them stays on the event.
CREATE TABLE IF NOT EXISTS event_attendees (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id         bigint NOT NULL,
    event_id        bigint NOT NULL,
    user_id         bigint,
    contact_id      bigint,
    notify_text     boolean NOT NULL DEFAULT false,
    -- '' (no answer yet), 'confirmed' or 'declined', from a Y/N reply.
    answer          text NOT NULL DEFAULT '' CHECK (answer IN ('', 'confirmed', 'declined')),
    answered_at     timestamptz,
    answer_text_id  bigint,
    -- When a text asking for Y or N (invitation, update, reminder) was last sent.
    asked_at        timestamptz,
    removed_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (firm_id, id),
    CHECK ((user_id IS NULL) <> (contact_id IS NULL)),
    CHECK (NOT notify_text OR contact_id IS NOT NULL),
    FOREIGN KEY (firm_id, event_id) REFERENCES events (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, user_id) REFERENCES users (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, contact_id) REFERENCES contacts (firm_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX IF NOT EXISTS event_attendees_user_idx ON event_attendees (event_id, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS event_attendees_contact_idx ON event_attendees (event_id, contact_id) WHERE contact_id IS NOT NULL;
-- A Y/N reply looks for the contact's invitations asked most recently.
CREATE INDEX IF NOT EXISTS event_attendees_asked_idx ON event_attendees (firm_id, contact_id, asked_at DESC)
    WHERE asked_at IS NOT NULL AND removed_at IS NULL;

-- Every calendar text, planned or sent. A row is planned first (send_at is
-- when it may go: quiet hours and reminder days decide), then the worker
-- moves it, once, to sent (with its text) or to cancelled or skipped (with
-- a reason). The text's own status is the delivery status.
CREATE TABLE IF NOT EXISTS event_notifications (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id          bigint NOT NULL,
    event_id         bigint NOT NULL,
    attendee_id      bigint NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('created', 'updated', 'cancelled', 'reminder', 'ack')),
    status           text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'sent', 'cancelled', 'skipped')),
    send_at          timestamptz NOT NULL,
    -- For reminders: the event start it reminds of.
    reminder_for     timestamptz,
    reason           text NOT NULL DEFAULT '',
    text_message_id  bigint,
    sent_at          timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (firm_id, id),
    CHECK ((kind = 'reminder') = (reminder_for IS NOT NULL)),
    FOREIGN KEY (firm_id, event_id) REFERENCES events (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, attendee_id) REFERENCES event_attendees (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, text_message_id) REFERENCES text_messages (firm_id, id)
);
-- At most one reminder per attendee for a given start, whatever runs twice.
CREATE UNIQUE INDEX IF NOT EXISTS event_notifications_reminder_idx ON event_notifications (attendee_id, reminder_for)
    WHERE kind = 'reminder' AND status <> 'cancelled';
CREATE INDEX IF NOT EXISTS event_notifications_due_idx ON event_notifications (send_at) WHERE status = 'planned';
CREATE INDEX IF NOT EXISTS event_notifications_event_idx ON event_notifications (firm_id, event_id, id);

-- +goose Down
DROP TABLE IF EXISTS event_notifications;
DROP TABLE IF EXISTS event_attendees;
DROP TABLE IF EXISTS events;
ALTER TABLE firms DROP COLUMN IF EXISTS reminder_days;
