"""Tables of AMS addons and applications: a migration stream of its own ("ams_packages"),
applied after the "ams" stream whose images the applications are built on."""

MIGRATIONS = [
    """
    CREATE TABLE ams_addons (
        name TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE ams_addon_versions (
        addon TEXT NOT NULL REFERENCES ams_addons (name) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,
        size INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (addon, version)
    );
    CREATE TABLE ams_applications (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        status_code INTEGER NOT NULL,
        -- Application-level fields: a JSON PATCH changes them without a new version.
        image TEXT NOT NULL DEFAULT '',
        instance_type TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]',
        addons TEXT NOT NULL DEFAULT '[]',
        resources TEXT NOT NULL DEFAULT '{}',
        node_selector TEXT NOT NULL DEFAULT '[]',
        inhibit_auto_updates INTEGER NOT NULL DEFAULT 0,
        immutable INTEGER NOT NULL DEFAULT 0,
        vm INTEGER NOT NULL DEFAULT 0,
        abi TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL
    );
    CREATE TABLE ams_application_versions (
        app_id TEXT NOT NULL REFERENCES ams_applications (id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        -- The version's manifest as the package gave it, with JSON PATCH fields applied
        -- (manifest.yaml keys); what the manifest download writes back as YAML.
        manifest TEXT NOT NULL,
        package_fingerprint TEXT NOT NULL,
        parent_image_id TEXT NOT NULL DEFAULT '',
        parent_image_version INTEGER NOT NULL DEFAULT 0,
        -- [{"name", "version"}] of the addons the version was built with.
        addons TEXT NOT NULL DEFAULT '[]',
        status_code INTEGER NOT NULL,
        published INTEGER NOT NULL DEFAULT 0,
        error_message TEXT NOT NULL DEFAULT '',
        -- The version's image once the bootstrap published it.
        image_fingerprint TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        PRIMARY KEY (app_id, number)
    );
    """,
    """
    -- Whether the package carried app.apk (an addon- or image-only application has none),
    -- which decides whether the bootstrap installs an APK.
    ALTER TABLE ams_application_versions ADD COLUMN has_apk INTEGER NOT NULL DEFAULT 1;
    """,
]
