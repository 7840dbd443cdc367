-- An "existing store" for smart-mode demos: a small Shopify shop with real
-- (not generated) rows, so that analysis has something to learn from and
-- clean has something to leave alone. Load with
--   scripts/local-warehouse seed-demo [WORKSPACE]
-- Idempotent (fixed keys, ON CONFLICT DO NOTHING); times are relative to now.
-- Usage from psql: psql -v ws=local-workspace -f demo-store.sql

\set ON_ERROR_STOP on

insert into semantic.dm_shop_info_shopify
  (tenant_id, shop_id, shop_name, shop_domain, myshopify_domain, email, currency, iana_timezone, country_code,
   plan_display_name, money_with_currency_format, has_storefront, created_at, updated_at)
values (:'ws', 'demo-shop-1', 'Northwind Outfitters', 'northwind-outfitters.com', 'northwind-outfitters.myshopify.com',
        'hello@northwind-outfitters.com', 'USD', 'America/Chicago', 'US', 'Shopify', '${{amount}} USD', true,
        now() - interval '900 days', now() - interval '2 days')
on conflict do nothing;

-- 12 products, each in three sizes.
insert into semantic.dm_products_shopify (tenant_id, product_id, title, handle, product_type, vendor, status, tags, created_at, updated_at, published_at)
select :'ws', 'demo-p-' || i, t.title, lower(replace(t.title, ' ', '-')), t.ptype, 'Northwind', 'active', lower(t.ptype),
       now() - (400 + i * 7) * interval '1 day', now() - interval '10 days', now() - (399 + i * 7) * interval '1 day'
from (values
  (1, 'Organic Cotton Tee', 'T-Shirts'), (2, 'Heavyweight Pocket Tee', 'T-Shirts'), (3, 'Vintage Wash Tee', 'T-Shirts'),
  (4, 'Merino Crew Sweater', 'Sweaters'), (5, 'Fleece Hoodie', 'Sweaters'), (6, 'Cable Knit Cardigan', 'Sweaters'),
  (7, 'Stretch Chinos', 'Pants'), (8, 'Relaxed Joggers', 'Pants'), (9, 'Waxed Canvas Tote Bag', 'Accessories'),
  (10, 'Ribbed Beanie', 'Accessories'), (11, 'Wool Scarf', 'Accessories'), (12, 'Leather Belt', 'Accessories')
) as t(i, title, ptype)
on conflict do nothing;

insert into semantic.dm_variants_shopify (tenant_id, variant_id, product_id, title, sku, price, compare_at_price, inventory_quantity, option1, position, created_at, updated_at)
select :'ws', 'demo-v-' || p || '-' || s, 'demo-p-' || p, size, 'NW-' || lpad(p::text, 3, '0') || '-' || size,
       round((18 + (p * 37 % 71))::numeric + 0.99 + (s - 1) * 2, 2), null, 20 + (p * s * 13) % 80, size, s,
       now() - (400 + p * 7) * interval '1 day', now() - interval '10 days'
from generate_series(1, 12) p, generate_series(1, 3) s, lateral (select (array['S', 'M', 'L'])[s] as size) z
on conflict do nothing;

insert into semantic.dm_customers_shopify (tenant_id, customer_id, email, first_name, last_name, orders_count, total_spent, state, accepts_marketing, city, country, created_at, updated_at)
select :'ws', 'demo-c-' || i, 'customer' || i || '@example.net',
       (array['Ava', 'Liam', 'Mia', 'Noah', 'Zoe'])[1 + i % 5], (array['Berg', 'Cole', 'Diaz', 'Ellis', 'Fox'])[1 + (i / 5) % 5],
       0, 0, 'enabled', i % 2 = 0, 'Chicago', 'United States', now() - (200 + i * 3) * interval '1 day', now() - interval '5 days'
from generate_series(1, 25) i
on conflict do nothing;

-- 40 orders over the last 90 days, afternoons and evenings local time.
insert into semantic.dm_orders_shopify (tenant_id, order_id, order_number, name, customer_id, email, currency, financial_status, fulfillment_status,
  subtotal_price, total_discounts, total_tax, total_shipping, total_price, source_name, landing_site, processed_at, created_at, updated_at)
select :'ws', 'demo-o-' || i, 1000 + i, '#' || (1000 + i), 'demo-c-' || (1 + i % 25), 'customer' || (1 + i % 25) || '@example.net', 'USD',
       case when i % 13 = 0 then 'refunded' else 'paid' end, case when i > 37 then null else 'fulfilled' end,
       0, 0, 0, 0, 0, 'web', '/', t, t, t
from generate_series(1, 40) i,
     lateral (select date_trunc('day', now()) - (90 - i * 2) * interval '1 day' + ((13 + i % 9) * interval '1 hour') + (i * 7 % 60) * interval '1 minute' as t) x
on conflict do nothing;

insert into semantic.dm_order_items_shopify (tenant_id, line_item_id, order_id, order_number, product_id, variant_id, name, product_title, variant_title, sku, vendor, quantity, price, total_discount, requires_shipping, taxable, created_at)
with lines as (
  select o, l, 1 + (o * 5 + l * 7) % 12 as p, 1 + (o + l) % 3 as s
  from generate_series(1, 40) o, generate_series(1, 3) l
  where l <= 1 + o % 3
)
select :'ws', 'demo-li-' || k.o || '-' || k.l, oo.order_id, oo.order_number, pr.product_id, v.variant_id,
       pr.title || ' - ' || v.title, pr.title, v.title, v.sku, 'Northwind', 1 + (k.o + k.l) % 3, v.price, 0, true, true, oo.created_at
from lines k
join semantic.dm_products_shopify pr on pr.tenant_id = :'ws' and pr.product_id = 'demo-p-' || k.p
join semantic.dm_variants_shopify v on v.tenant_id = :'ws' and v.variant_id = 'demo-v-' || k.p || '-' || k.s
join semantic.dm_orders_shopify oo on oo.tenant_id = :'ws' and oo.order_id = 'demo-o-' || k.o
on conflict do nothing;

-- Totals from the lines: subtotal, 8.25% tax, shipping under $75.
update semantic.dm_orders_shopify o
set subtotal_price = s.sub, total_tax = round(s.sub * 0.0825, 2),
    total_shipping = case when s.sub >= 75 then 0 else 6.99 end,
    total_price = s.sub + round(s.sub * 0.0825, 2) + case when s.sub >= 75 then 0 else 6.99 end
from (select order_id, sum(quantity * price - total_discount) as sub from semantic.dm_order_items_shopify
      where tenant_id = :'ws' and order_id like 'demo-o-%' group by 1) s
where o.tenant_id = :'ws' and o.order_id = s.order_id and o.total_price = 0;

update semantic.dm_customers_shopify c
set orders_count = s.n, total_spent = s.spent
from (select customer_id, count(*) as n, sum(total_price) filter (where financial_status = 'paid') as spent
      from semantic.dm_orders_shopify where tenant_id = :'ws' and order_id like 'demo-o-%' group by 1) s
where c.tenant_id = :'ws' and c.customer_id = s.customer_id and c.orders_count = 0;

-- Pixel events: each order's session (6 views, 2 carts, the purchase) and
-- 45 sessions per order that only browse (2.2% of sessions buy).
insert into semantic.dm_shopify_pixel_events (tenant_id, event_id, event_name, session_id, event_time, customer_id, order_id, product_id, page_url, currency, created_at)
select :'ws', md5(:'ws' || '-buy-' || o.order_id || '-' || n)::uuid,
       case when n <= 6 then 'page_view' when n <= 8 then 'add_to_cart' else 'purchase' end,
       'demo-s-' || o.order_id, o.created_at - (9 - n) * interval '2 minutes', o.customer_id,
       case when n = 9 then o.order_id end, case when n < 9 then 'demo-p-' || (1 + n % 12) end,
       'https://northwind-outfitters.com/', 'USD', o.created_at - (9 - n) * interval '2 minutes'
from semantic.dm_orders_shopify o, generate_series(1, 9) n
where o.tenant_id = :'ws' and o.order_id like 'demo-o-%'
on conflict do nothing;

insert into semantic.dm_shopify_pixel_events (tenant_id, event_id, event_name, session_id, event_time, product_id, page_url, currency, created_at)
select :'ws', md5(:'ws' || '-browse-' || s || '-' || n)::uuid, 'page_view', 'demo-b-' || s,
       date_trunc('day', now()) - (s % 90) * interval '1 day' + (s % 14 + 9) * interval '1 hour' + n * interval '1 minute',
       'demo-p-' || (1 + (s + n) % 12), 'https://northwind-outfitters.com/',
       'USD', date_trunc('day', now()) - (s % 90) * interval '1 day' + (s % 14 + 9) * interval '1 hour' + n * interval '1 minute'
from generate_series(1, 1800) s, generate_series(1, 2) n
where n <= 1 + s % 2
on conflict do nothing;
