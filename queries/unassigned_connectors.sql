-- Configured servers no inventory assignment covers: they cannot be judged for any system.
CREATE OR REPLACE VIEW unassigned_connectors AS
SELECT c.*
FROM connector_servers AS c
WHERE NOT EXISTS (SELECT 1 FROM system_connectors AS s WHERE s.connector_id = c.connector_id);
