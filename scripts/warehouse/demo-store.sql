-- An "existing store" for smart-mode demos: a small Shopify shop with real
-- (not generated) rows, so that analysis has something to learn from and
-- clean has something to leave alone. Load with
--   scripts/local-warehouse seed-demo [WORKSPACE]
-- Idempotent (fixed keys, ON CONFLICT DO NOTHING); times are relative to now.
-- Usage from psql: psql -v ws=local-workspace -f demo-store.sql
--
-- Its shape is a believable small apparel shop's: 150 orders over half a
-- year, afternoons and evenings in Chicago, a third of them from 15 regular
-- customers (the rest from 100 who bought once), 1-3 lines, one order in seven with a 15% code, a few refunds;
-- and a storefront funnel within the design's ratios (about 8 page views
-- and 2.3 add-to-carts per purchase, buying sessions over the days before).

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
       (array['Ava', 'Liam', 'Mia', 'Noah', 'Zoe', 'Eli', 'Ivy'])[1 + i % 7], (array['Berg', 'Cole', 'Diaz', 'Ellis', 'Fox', 'Gray'])[1 + (i / 7) % 6],
       0, 0, 'enabled', i % 2 = 0, 'Chicago', 'United States', now() - (200 + i * 3) * interval '1 day', now() - interval '5 days'
from generate_series(1, 115) i
on conflict do nothing;

-- 150 orders over the last 180 days, afternoons and evenings in Chicago
-- (some days busier); every third from one of 15 regulars, the others from
-- customers who bought once.
insert into semantic.dm_orders_shopify (tenant_id, order_id, order_number, name, customer_id, email, currency, financial_status, fulfillment_status,
  subtotal_price, total_discounts, total_tax, total_shipping, total_price, source_name, landing_site, processed_at, created_at, updated_at)
select :'ws', 'demo-o-' || i, 1000 + i, '#' || (1000 + i), 'demo-c-' || c, 'customer' || c || '@example.net', 'USD',
       case when i % 19 = 0 then 'refunded' else 'paid' end, case when i > 146 then null else 'fulfilled' end,
       0, 0, 0, 0, 0, 'web', '/', t, t, t
from generate_series(1, 150) i,
     lateral (select case when i % 3 = 0 then 1 + i % 15 else 16 + ((i * 2) / 3 * 7) % 100 end as c,
                     (array[10, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 20, 21, 21, 22])[1 + (i * 7) % 15] as h,
                     180 - (i * 6) / 5 - (case when (i * 3) % 7 < 2 then (i * 3) % 7 else 0 end) as d) k,
     lateral (select (date_trunc('day', now() at time zone 'America/Chicago') - k.d * interval '1 day' + k.h * interval '1 hour'
                      + (i * 7 % 60) * interval '1 minute') at time zone 'America/Chicago' as t) x
on conflict do nothing;

-- 1-3 lines; one order in seven has a 15% code, spread over its lines.
insert into semantic.dm_order_items_shopify (tenant_id, line_item_id, order_id, order_number, product_id, variant_id, name, product_title, variant_title, sku, vendor, quantity, price, total_discount, requires_shipping, taxable, created_at)
with lines as (
  select o, l, 1 + (o * 5 + l * 7) % 12 as p, 1 + (o + l) % 3 as s, case when (o * l) % 5 = 0 then 2 else 1 end as q
  from generate_series(1, 150) o, generate_series(1, 3) l
  where l <= 1 + ((o * 5) % 7) % 3
)
select :'ws', 'demo-li-' || k.o || '-' || k.l, oo.order_id, oo.order_number, pr.product_id, v.variant_id,
       pr.title || ' - ' || v.title, pr.title, v.title, v.sku, 'Northwind', k.q, v.price,
       case when k.o % 7 = 0 then round(k.q * v.price * 0.15, 2) else 0 end, true, true, oo.created_at
from lines k
join semantic.dm_products_shopify pr on pr.tenant_id = :'ws' and pr.product_id = 'demo-p-' || k.p
join semantic.dm_variants_shopify v on v.tenant_id = :'ws' and v.variant_id = 'demo-v-' || k.p || '-' || k.s
join semantic.dm_orders_shopify oo on oo.tenant_id = :'ws' and oo.order_id = 'demo-o-' || k.o
on conflict do nothing;

-- Totals from the lines: subtotal after discounts, 8.25% tax, shipping under $75.
update semantic.dm_orders_shopify o
set subtotal_price = s.sub, total_discounts = s.disc, total_tax = round(s.sub * 0.0825, 2),
    total_shipping = case when s.sub >= 75 then 0 else 6.99 end,
    total_price = s.sub + round(s.sub * 0.0825, 2) + case when s.sub >= 75 then 0 else 6.99 end
from (select order_id, sum(quantity * price - total_discount) as sub, sum(total_discount) as disc from semantic.dm_order_items_shopify
      where tenant_id = :'ws' and order_id like 'demo-o-%' group by 1) s
where o.tenant_id = :'ws' and o.order_id = s.order_id and o.total_price = 0;

update semantic.dm_customers_shopify c
set orders_count = s.n, total_spent = s.spent
from (select customer_id, count(*) as n, coalesce(sum(total_price) filter (where financial_status = 'paid'), 0) as spent
      from semantic.dm_orders_shopify where tenant_id = :'ws' and order_id like 'demo-o-%' group by 1) s
where c.tenant_id = :'ws' and c.customer_id = s.customer_id and c.orders_count = 0;

-- Pixel events. Each order's buying session: 6 page views over the 1-3
-- days before it, 2 add-to-carts in its last 12 hours, the purchase at the
-- order's time.
insert into semantic.dm_shopify_pixel_events (tenant_id, event_id, event_name, session_id, event_time, customer_id, order_id, product_id, page_url, currency, created_at)
select :'ws', md5(:'ws' || '-buy-' || o.order_id || '-' || n)::uuid,
       case when n <= 6 then 'page_view' when n <= 8 then 'add_to_cart' else 'purchase' end,
       'demo-s-' || o.order_id, o.created_at - lead, o.customer_id,
       case when n = 9 then o.order_id end, case when n < 9 then 'demo-p-' || (1 + n % 12) end,
       'https://northwind-outfitters.com/', 'USD', o.created_at - lead
from semantic.dm_orders_shopify o, generate_series(1, 9) n,
     lateral (select case when n <= 6 then (1 + (o.order_number % 3)) * (7 - n) / 6.0 * interval '1 day'
                          when n <= 8 then (9 - n) * interval '6 hours' else interval '0' end as lead) l
where o.tenant_id = :'ws' and o.order_id like 'demo-o-%'
on conflict do nothing;

-- Browsing sessions that do not buy: 1.5 per order, of one or two page
-- views, one in five adding to the cart.
insert into semantic.dm_shopify_pixel_events (tenant_id, event_id, event_name, session_id, event_time, product_id, page_url, currency, created_at)
select :'ws', md5(:'ws' || '-browse-' || s || '-' || n)::uuid, case when n = 3 then 'add_to_cart' else 'page_view' end, 'demo-b-' || s, t, 'demo-p-' || (1 + (s + n) % 12),
       'https://northwind-outfitters.com/', 'USD', t
from generate_series(1, 225) s, generate_series(1, 3) n,
     lateral (select date_trunc('day', now()) - (s * 4 / 5) * interval '1 day' + (s % 12 + 10) * interval '1 hour' + n * interval '3 minutes' as t) x
where n <= 1 + s % 2 or (n = 3 and s % 5 = 0)
on conflict do nothing;
