"""The containers table, as its own migration stream (`ams_containers`, see core.storage.migrations).

A container row carries both what was asked for (`cpus`, `memory`, ...) and what its node holds
for it right now (`held_*`): an errored container keeps only its disk, so the two differ. The
scheduler is rebuilt at start from the sum of `held_*` per node, which is why every change of
status and every change of what is held happen in the same transaction.
"""

MIGRATIONS = [
    """
    CREATE TABLE ams_containers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        status_code INTEGER NOT NULL,
        node TEXT NOT NULL DEFAULT '',
        app_id TEXT NOT NULL DEFAULT '',
        app_version INTEGER NOT NULL DEFAULT 0,
        image_id TEXT NOT NULL DEFAULT '',
        image_version INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        address TEXT NOT NULL DEFAULT '',
        services TEXT NOT NULL DEFAULT '[]',
        error_message TEXT NOT NULL DEFAULT '',
        config TEXT NOT NULL DEFAULT '{}',
        user_data TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]',
        architecture TEXT NOT NULL DEFAULT '',
        cpus INTEGER NOT NULL,
        memory INTEGER NOT NULL,
        disk_size INTEGER NOT NULL,
        gpu_slots INTEGER NOT NULL,
        vpu_slots INTEGER NOT NULL,
        held_cpus INTEGER NOT NULL,
        held_memory INTEGER NOT NULL,
        held_disk INTEGER NOT NULL,
        held_gpu_slots INTEGER NOT NULL,
        token_hash TEXT NOT NULL
    );
    CREATE INDEX ams_containers_by_node ON ams_containers (node);
    -- Each node has its own bridge, so an address is unique per node, not across the cluster.
    CREATE UNIQUE INDEX ams_containers_address ON ams_containers (node, address) WHERE address != '';
    CREATE TABLE ams_container_ports (
        node TEXT NOT NULL,
        port INTEGER NOT NULL,
        container_id TEXT NOT NULL REFERENCES ams_containers (id) ON DELETE CASCADE,
        PRIMARY KEY (node, port)
    );
    CREATE INDEX ams_container_ports_by_container ON ams_container_ports (container_id);
    """,
    # A hardware video encoder became a resource of its own (`video-encoder: gpu`).
    "ALTER TABLE ams_containers ADD COLUMN held_gpu_encoder_slots INTEGER NOT NULL DEFAULT 0",
]
