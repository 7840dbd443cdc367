-- The Bustly warehouse tables (schema `semantic`), as far as public material
-- shows them (../shared/reference/warehouse.md), one set per platform. Each
-- platform keeps its own vocabulary (BigCommerce `date_created`, Magento
-- `firstname`, WooCommerce `variation_id`, ...), so the generator has to map
-- columns by meaning rather than by one fixed name list.
--
-- Multi-tenant: every row carries tenant_id (the workspace id) and keys are
-- unique per tenant. Key types differ on purpose: Shopify uses text ids and
-- uuid event ids, the others bigint ids, as their APIs do.
-- Idempotent: safe to run on every `scripts/local-warehouse start`.

create schema if not exists semantic;

-- ---------------------------------------------------------------- Shopify
create table if not exists semantic.dm_shop_info_shopify (
  tenant_id text not null,
  shop_id text not null,
  shop_name text not null,
  shop_domain text not null,
  myshopify_domain text,
  email text,
  currency text not null,
  iana_timezone text not null,
  country_code text,
  plan_display_name text,
  money_with_currency_format text,
  has_storefront boolean,
  created_at timestamptz not null,
  updated_at timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, shop_id)
);

create table if not exists semantic.dm_products_shopify (
  tenant_id text not null,
  product_id text not null,
  title text not null,
  handle text,
  product_type text,
  vendor text,
  status text not null,
  tags text,
  created_at timestamptz not null,
  updated_at timestamptz,
  published_at timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, product_id)
);

create table if not exists semantic.dm_variants_shopify (
  tenant_id text not null,
  variant_id text not null,
  product_id text not null,
  title text not null,
  sku text,
  price numeric(14,2) not null,
  compare_at_price numeric(14,2),
  inventory_quantity integer,
  option1 text,
  option2 text,
  position integer,
  created_at timestamptz not null,
  updated_at timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, variant_id),
  foreign key (tenant_id, product_id) references semantic.dm_products_shopify (tenant_id, product_id)
);

create table if not exists semantic.dm_customers_shopify (
  tenant_id text not null,
  customer_id text not null,
  email text,
  first_name text,
  last_name text,
  phone text,
  orders_count integer not null default 0,
  total_spent numeric(14,2) not null default 0,
  state text,
  accepts_marketing boolean,
  city text,
  province text,
  country text,
  zip text,
  tags text,
  created_at timestamptz not null,
  updated_at timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, customer_id)
);

create table if not exists semantic.dm_orders_shopify (
  tenant_id text not null,
  order_id text not null,
  order_number bigint not null,
  name text,
  customer_id text,
  email text,
  currency text not null,
  financial_status text not null,
  fulfillment_status text,
  subtotal_price numeric(14,2) not null,
  total_discounts numeric(14,2) not null default 0,
  total_tax numeric(14,2) not null,
  total_shipping numeric(14,2),
  total_price numeric(14,2) not null,
  source_name text,
  landing_site text,
  referring_site text,
  utm_source text,
  utm_medium text,
  utm_campaign text,
  gclid text,
  cancelled_at timestamptz,
  cancel_reason text,
  processed_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, order_id),
  foreign key (tenant_id, customer_id) references semantic.dm_customers_shopify (tenant_id, customer_id)
);

create table if not exists semantic.dm_order_items_shopify (
  tenant_id text not null,
  line_item_id text not null,
  order_id text not null,
  order_number bigint,
  product_id text not null,
  variant_id text,
  name text,
  product_title text,
  variant_title text,
  sku text,
  vendor text,
  quantity integer not null,
  price numeric(14,2) not null,
  total_discount numeric(14,2) not null default 0,
  requires_shipping boolean,
  taxable boolean,
  created_at timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, line_item_id),
  foreign key (tenant_id, order_id) references semantic.dm_orders_shopify (tenant_id, order_id),
  foreign key (tenant_id, product_id) references semantic.dm_products_shopify (tenant_id, product_id),
  foreign key (tenant_id, variant_id) references semantic.dm_variants_shopify (tenant_id, variant_id)
);

create table if not exists semantic.dm_shopify_pixel_events (
  tenant_id text not null,
  event_id uuid not null,
  event_name text not null,
  session_id text not null,
  client_id text,
  event_time timestamptz not null,
  customer_id text,
  order_id text,
  product_id text,
  variant_id text,
  page_url text,
  referrer text,
  utm_source text,
  utm_medium text,
  utm_campaign text,
  gclid text,
  event_value numeric(14,2),
  currency text,
  created_at timestamptz,
  primary key (tenant_id, event_id),
  foreign key (tenant_id, order_id) references semantic.dm_orders_shopify (tenant_id, order_id)
);

-- ------------------------------------------------------------ BigCommerce
create table if not exists semantic.dm_shop_info_bigcommerce (
  tenant_id text not null,
  shop_id bigint not null,
  store_hash text,
  shop_name text not null,
  shop_domain text not null,
  admin_email text,
  currency text not null,
  iana_timezone text,
  country_code text,
  plan_name text,
  date_created timestamptz not null,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, shop_id)
);

create table if not exists semantic.dm_products_bigcommerce (
  tenant_id text not null,
  product_id bigint not null,
  name text not null,
  sku text,
  type text not null,
  brand_name text,
  categories text,
  price numeric(14,2) not null,
  sale_price numeric(14,2),
  cost_price numeric(14,2),
  inventory_level integer,
  availability text,
  is_visible boolean,
  date_created timestamptz not null,
  date_modified timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, product_id)
);

create table if not exists semantic.dm_variants_bigcommerce (
  tenant_id text not null,
  variant_id bigint not null,
  product_id bigint not null,
  sku text not null,
  option_values text,
  price numeric(14,2),
  sale_price numeric(14,2),
  inventory_level integer,
  purchasing_disabled boolean,
  date_created timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, variant_id),
  foreign key (tenant_id, product_id) references semantic.dm_products_bigcommerce (tenant_id, product_id)
);

create table if not exists semantic.dm_customers_bigcommerce (
  tenant_id text not null,
  customer_id bigint not null,
  email text not null,
  first_name text,
  last_name text,
  company text,
  phone text,
  customer_group_id integer,
  accepts_marketing boolean,
  date_created timestamptz not null,
  date_modified timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, customer_id)
);

create table if not exists semantic.dm_orders_bigcommerce (
  tenant_id text not null,
  order_id bigint not null,
  customer_id bigint,
  status_id integer not null,
  status text not null,
  currency_code text not null,
  subtotal_ex_tax numeric(14,2) not null,
  subtotal_inc_tax numeric(14,2),
  discount_amount numeric(14,2) not null default 0,
  shipping_cost_ex_tax numeric(14,2),
  total_tax numeric(14,2),
  total_ex_tax numeric(14,2),
  total_inc_tax numeric(14,2) not null,
  items_total integer,
  payment_method text,
  billing_email text,
  utm_source text,
  utm_medium text,
  utm_campaign text,
  gclid text,
  date_created timestamptz not null,
  date_modified timestamptz,
  date_shipped timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, order_id),
  foreign key (tenant_id, customer_id) references semantic.dm_customers_bigcommerce (tenant_id, customer_id)
);

create table if not exists semantic.dm_order_items_bigcommerce (
  tenant_id text not null,
  line_item_id bigint not null,
  order_id bigint not null,
  product_id bigint not null,
  variant_id bigint,
  name text,
  sku text,
  quantity integer not null,
  base_price numeric(14,2),
  price_ex_tax numeric(14,2) not null,
  price_inc_tax numeric(14,2),
  total_ex_tax numeric(14,2),
  total_inc_tax numeric(14,2),
  discount_amount numeric(14,2) not null default 0,
  date_created timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, line_item_id),
  foreign key (tenant_id, order_id) references semantic.dm_orders_bigcommerce (tenant_id, order_id),
  foreign key (tenant_id, product_id) references semantic.dm_products_bigcommerce (tenant_id, product_id),
  foreign key (tenant_id, variant_id) references semantic.dm_variants_bigcommerce (tenant_id, variant_id)
);

-- ------------------------------------------------------------ WooCommerce
create table if not exists semantic.dm_shop_info_woocommerce (
  tenant_id text not null,
  shop_id bigint not null,
  shop_name text not null,
  shop_domain text not null,
  admin_email text,
  currency text not null,
  iana_timezone text,
  country_code text,
  woocommerce_version text,
  date_created timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, shop_id)
);

create table if not exists semantic.dm_products_woocommerce (
  tenant_id text not null,
  product_id bigint not null,
  name text not null,
  slug text,
  type text not null,
  status text not null,
  sku text,
  price numeric(14,2),
  regular_price numeric(14,2),
  sale_price numeric(14,2),
  stock_status text,
  stock_quantity integer,
  categories text,
  date_created timestamptz not null,
  date_modified timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, product_id)
);

create table if not exists semantic.dm_variants_woocommerce (
  tenant_id text not null,
  variant_id bigint not null,
  product_id bigint not null,
  sku text,
  attributes text,
  price numeric(14,2) not null,
  regular_price numeric(14,2),
  sale_price numeric(14,2),
  stock_quantity integer,
  date_created timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, variant_id),
  foreign key (tenant_id, product_id) references semantic.dm_products_woocommerce (tenant_id, product_id)
);

create table if not exists semantic.dm_customers_woocommerce (
  tenant_id text not null,
  customer_id bigint not null,
  email text not null,
  first_name text,
  last_name text,
  username text,
  role text,
  billing_city text,
  billing_country text,
  orders_count integer,
  total_spent numeric(14,2),
  date_created timestamptz not null,
  date_modified timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, customer_id)
);

create table if not exists semantic.dm_orders_woocommerce (
  tenant_id text not null,
  order_id bigint not null,
  order_key text,
  customer_id bigint,
  status text not null,
  currency text not null,
  prices_include_tax boolean,
  subtotal numeric(14,2) not null,
  discount_total numeric(14,2) not null default 0,
  shipping_total numeric(14,2),
  total_tax numeric(14,2),
  total numeric(14,2) not null,
  payment_method text,
  payment_method_title text,
  billing_email text,
  utm_source text,
  utm_medium text,
  utm_campaign text,
  gclid text,
  date_created timestamptz not null,
  date_paid timestamptz,
  date_completed timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, order_id),
  foreign key (tenant_id, customer_id) references semantic.dm_customers_woocommerce (tenant_id, customer_id)
);

create table if not exists semantic.dm_order_items_woocommerce (
  tenant_id text not null,
  line_item_id bigint not null,
  order_id bigint not null,
  product_id bigint not null,
  variation_id bigint,
  name text,
  sku text,
  quantity integer not null,
  price numeric(14,2),
  subtotal numeric(14,2) not null,
  total numeric(14,2) not null,
  total_tax numeric(14,2),
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, line_item_id),
  foreign key (tenant_id, order_id) references semantic.dm_orders_woocommerce (tenant_id, order_id),
  foreign key (tenant_id, product_id) references semantic.dm_products_woocommerce (tenant_id, product_id),
  foreign key (tenant_id, variation_id) references semantic.dm_variants_woocommerce (tenant_id, variant_id)
);

-- ---------------------------------------------------------------- Magento
create table if not exists semantic.dm_shop_info_magento (
  tenant_id text not null,
  shop_id bigint not null,
  shop_name text not null,
  shop_domain text not null,
  base_currency_code text not null,
  iana_timezone text,
  country_code text,
  magento_edition text,
  created_at timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, shop_id)
);

create table if not exists semantic.dm_products_magento (
  tenant_id text not null,
  product_id bigint not null,
  sku text not null,
  name text not null,
  type_id text not null,
  attribute_set_id integer,
  status integer not null,
  visibility integer,
  price numeric(14,2),
  weight numeric(10,3),
  created_at timestamptz not null,
  updated_at timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, product_id)
);

create table if not exists semantic.dm_variants_magento (
  tenant_id text not null,
  variant_id bigint not null,
  product_id bigint not null,
  sku text not null,
  name text,
  price numeric(14,2) not null,
  qty integer,
  created_at timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, variant_id),
  foreign key (tenant_id, product_id) references semantic.dm_products_magento (tenant_id, product_id)
);

create table if not exists semantic.dm_customers_magento (
  tenant_id text not null,
  customer_id bigint not null,
  email text not null,
  firstname text,
  lastname text,
  group_id integer,
  website_id integer,
  created_in text,
  created_at timestamptz not null,
  updated_at timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, customer_id)
);

create table if not exists semantic.dm_orders_magento (
  tenant_id text not null,
  order_id bigint not null,
  increment_id text not null,
  state text not null,
  status text not null,
  customer_id bigint,
  customer_email text,
  customer_firstname text,
  customer_lastname text,
  customer_is_guest boolean,
  order_currency_code text not null,
  subtotal numeric(14,2) not null,
  discount_amount numeric(14,2) not null default 0,
  shipping_amount numeric(14,2),
  tax_amount numeric(14,2),
  grand_total numeric(14,2) not null,
  total_qty_ordered numeric(12,4),
  total_item_count integer,
  utm_source text,
  utm_medium text,
  utm_campaign text,
  gclid text,
  created_at timestamptz not null,
  updated_at timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, order_id),
  foreign key (tenant_id, customer_id) references semantic.dm_customers_magento (tenant_id, customer_id)
);

create table if not exists semantic.dm_order_items_magento (
  tenant_id text not null,
  line_item_id bigint not null,
  order_id bigint not null,
  product_id bigint not null,
  variant_id bigint,
  sku text,
  name text,
  product_type text,
  qty_ordered numeric(12,4) not null,
  price numeric(14,2) not null,
  row_total numeric(14,2) not null,
  discount_amount numeric(14,2) not null default 0,
  tax_amount numeric(14,2),
  created_at timestamptz,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, line_item_id),
  foreign key (tenant_id, order_id) references semantic.dm_orders_magento (tenant_id, order_id),
  foreign key (tenant_id, product_id) references semantic.dm_products_magento (tenant_id, product_id),
  foreign key (tenant_id, variant_id) references semantic.dm_variants_magento (tenant_id, variant_id)
);

-- ------------------------------------------------------------- Google Ads
-- Report tables: one row per entity per day. No ad-group table: ad groups
-- appear as columns of keywords, search terms, creatives and products.
create table if not exists semantic.dm_ads_campaigns_google (
  tenant_id text not null,
  campaign_id bigint not null,
  date date not null,
  account_id bigint,
  campaign_name text not null,
  campaign_status text not null,
  advertising_channel_type text not null,
  bidding_strategy_type text,
  budget_amount_micros bigint,
  currency_code text,
  impressions bigint not null,
  clicks bigint not null,
  cost_micros bigint not null,
  conversions numeric(14,2) not null,
  conversions_value numeric(14,2) not null,
  ctr numeric(10,6),
  average_cpc numeric(14,2),
  roas numeric(10,4),
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, campaign_id, date)
);

create table if not exists semantic.dm_ads_keywords_google (
  tenant_id text not null,
  keyword_id bigint not null,
  date date not null,
  campaign_id bigint not null,
  campaign_name text,
  ad_group_id bigint not null,
  ad_group_name text,
  keyword_text text not null,
  match_type text not null,
  status text not null,
  quality_score integer,
  impressions bigint not null,
  clicks bigint not null,
  cost_micros bigint not null,
  conversions numeric(14,2) not null,
  conversions_value numeric(14,2) not null,
  ctr numeric(10,6),
  average_cpc numeric(14,2),
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, keyword_id, date)
);

create table if not exists semantic.dm_ads_search_terms_google (
  tenant_id text not null,
  keyword_id bigint not null,
  search_term text not null,
  date date not null,
  campaign_id bigint not null,
  ad_group_id bigint not null,
  keyword_text text,
  match_type text,
  search_term_match_type text,
  impressions bigint not null,
  clicks bigint not null,
  cost_micros bigint not null,
  conversions numeric(14,2) not null,
  conversions_value numeric(14,2) not null,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, keyword_id, search_term, date)
);

create table if not exists semantic.dm_ads_creatives_google (
  tenant_id text not null,
  ad_id bigint not null,
  date date not null,
  campaign_id bigint not null,
  ad_group_id bigint not null,
  ad_type text not null,
  status text not null,
  headlines jsonb,
  descriptions jsonb,
  final_url text,
  impressions bigint not null,
  clicks bigint not null,
  cost_micros bigint not null,
  conversions numeric(14,2) not null,
  conversions_value numeric(14,2) not null,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, ad_id, date)
);

create table if not exists semantic.dm_ads_products_google (
  tenant_id text not null,
  campaign_id bigint not null,
  ad_group_id bigint not null,
  product_item_id text not null,
  date date not null,
  product_title text,
  product_brand text,
  product_type_l1 text,
  merchant_center_id bigint,
  impressions bigint not null,
  clicks bigint not null,
  cost_micros bigint not null,
  conversions numeric(14,2) not null,
  conversions_value numeric(14,2) not null,
  _synced_at timestamptz not null default now(),
  primary key (tenant_id, campaign_id, ad_group_id, product_item_id, date)
);

comment on table semantic.dm_shop_info_shopify is 'Shopify shop settings, one row per shop';
comment on table semantic.dm_products_shopify is 'Shopify products';
comment on table semantic.dm_variants_shopify is 'Shopify product variants with price and inventory';
comment on table semantic.dm_customers_shopify is 'Shopify customers';
comment on table semantic.dm_orders_shopify is 'Shopify orders';
comment on table semantic.dm_order_items_shopify is 'Shopify order line items';
comment on table semantic.dm_shopify_pixel_events is 'Shopify web pixel events (page_view, add_to_cart, purchase)';
comment on table semantic.dm_shop_info_bigcommerce is 'BigCommerce store settings';
comment on table semantic.dm_products_bigcommerce is 'BigCommerce products';
comment on table semantic.dm_variants_bigcommerce is 'BigCommerce product variants';
comment on table semantic.dm_customers_bigcommerce is 'BigCommerce customers';
comment on table semantic.dm_orders_bigcommerce is 'BigCommerce orders';
comment on table semantic.dm_order_items_bigcommerce is 'BigCommerce order products';
comment on table semantic.dm_shop_info_woocommerce is 'WooCommerce store settings';
comment on table semantic.dm_products_woocommerce is 'WooCommerce products';
comment on table semantic.dm_variants_woocommerce is 'WooCommerce product variations';
comment on table semantic.dm_customers_woocommerce is 'WooCommerce customers';
comment on table semantic.dm_orders_woocommerce is 'WooCommerce orders';
comment on table semantic.dm_order_items_woocommerce is 'WooCommerce order line items';
comment on table semantic.dm_shop_info_magento is 'Magento 2 store settings';
comment on table semantic.dm_products_magento is 'Magento 2 catalog products';
comment on table semantic.dm_variants_magento is 'Magento 2 configurable children and simple product stock units';
comment on table semantic.dm_customers_magento is 'Magento 2 customers';
comment on table semantic.dm_orders_magento is 'Magento 2 sales orders';
comment on table semantic.dm_order_items_magento is 'Magento 2 sales order items';
comment on table semantic.dm_ads_campaigns_google is 'Google Ads campaign performance by day';
comment on table semantic.dm_ads_keywords_google is 'Google Ads keyword performance by day';
comment on table semantic.dm_ads_search_terms_google is 'Google Ads search term performance by day';
comment on table semantic.dm_ads_creatives_google is 'Google Ads ad (creative) performance by day';
comment on table semantic.dm_ads_products_google is 'Google Ads shopping product performance by day';
