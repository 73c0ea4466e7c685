-- Numbered 0022, after the channels' own migrations (0018, 0020, 0021): a database already past them when this
-- came would otherwise never get it (it was 0014 for a short while: IF NOT EXISTS takes such a database as it is).
-- The choices a user last saw as numbered lines (a channel without buttons) or as a paged list, in the order shown
-- (bot/compose.py Menu.to_json: each choice's action payload, label and tick), so that a typed "2" means the second
-- option shown, and a list's "more" shows the next page: read by whichever worker takes the user's next message,
-- after a restart too. Replaced when the next menu is shown, deleted when a prompt numbers nothing; one row a user.
CREATE TABLE IF NOT EXISTS menus (
    user_id  INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    menu     TEXT NOT NULL,
    shown_at INTEGER NOT NULL   -- epoch seconds
);
