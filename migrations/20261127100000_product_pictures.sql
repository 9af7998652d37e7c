-- A product's picture: the merchant's alt text, and the picture resized to a few widths and
-- re-encoded (no metadata). Kept in the database so that every instance serves the same bytes.
create table product_pictures (
    product_id bigint primary key references products (id) on delete cascade,
    alt text not null check (length(alt) between 1 and 250),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create table product_picture_variants (
    product_id bigint not null references product_pictures (product_id) on delete cascade,
    width integer not null check (width > 0),
    height integer not null check (height > 0),
    content_type text not null check (content_type in ('image/jpeg', 'image/png')),
    -- SHA-256 of `bytes` in hex: the picture's URL, so changed bytes are a new URL and a
    -- served one can be cached for good.
    hash text not null check (hash ~ '^[0-9a-f]{64}$'),
    bytes bytea not null,
    primary key (product_id, width)
);
create index product_picture_variants_hash_idx on product_picture_variants (hash);
