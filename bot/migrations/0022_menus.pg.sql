-- PostgreSQL variant of 0022_menus.sql (see there): BIGINT ids and times.
CREATE TABLE IF NOT EXISTS menus (
    user_id  BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    menu     TEXT NOT NULL,
    shown_at BIGINT NOT NULL
);
