"""The AMS tables, as forward migrations (see core.storage.migrations)."""

MIGRATIONS = [
    """
    CREATE TABLE ams_certificates (
        fingerprint TEXT PRIMARY KEY,
        certificate BLOB NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL
    );
    """,
    """
    CREATE TABLE ams_config (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE ams_nodes (
        name TEXT PRIMARY KEY,
        address TEXT NOT NULL UNIQUE,
        public_address TEXT NOT NULL,
        network_bridge_mtu INTEGER NOT NULL,
        cpus INTEGER NOT NULL,
        cpu_allocation_rate REAL NOT NULL,
        memory TEXT NOT NULL,
        memory_allocation_rate REAL NOT NULL,
        status_code INTEGER NOT NULL,
        is_master INTEGER NOT NULL,
        disk_size TEXT NOT NULL,
        gpu_slots INTEGER NOT NULL,
        gpu_encoder_slots INTEGER NOT NULL,
        tags TEXT NOT NULL,
        unschedulable INTEGER NOT NULL,
        architecture TEXT NOT NULL,
        storage_pool TEXT NOT NULL,
        managed INTEGER NOT NULL,
        network_name TEXT NOT NULL,
        network_subnet TEXT NOT NULL,
        driver TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    """,
    """
    CREATE TABLE ams_images (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        status_code INTEGER NOT NULL,
        immutable INTEGER NOT NULL DEFAULT 0,
        is_default INTEGER NOT NULL DEFAULT 0,
        architecture TEXT NOT NULL DEFAULT '',
        type TEXT NOT NULL DEFAULT 'container',
        created_at INTEGER NOT NULL
    );
    CREATE TABLE ams_image_versions (
        image_id TEXT NOT NULL REFERENCES ams_images (id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,
        size INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        status_code INTEGER NOT NULL,
        remote_id TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (image_id, version)
    );
    """,
]
