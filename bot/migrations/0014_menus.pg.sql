-- PostgreSQL variant of 0014_menus.sql (see there): BIGINT ids and times.
CREATE TABLE menus (
    user_id  BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    menu     TEXT NOT NULL,
    shown_at BIGINT NOT NULL
);
