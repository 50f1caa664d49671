-- Bumped by every catalogue sync: processes cache the catalogue (SKUs, bundles,
-- connections) and the order path checks this number in the same statement that uses it.
CREATE TABLE catalog_version (
  id      integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  version bigint NOT NULL
);
INSERT INTO catalog_version (id, version) VALUES (1, 1);
