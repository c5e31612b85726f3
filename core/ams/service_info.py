"""What `GET /1.0` and `GET /1.0/version` tell a client about this AMS."""

# The AMS release whose API this server follows (the seed document matches the 1.9 SDK).
AMS_VERSION = "1.9.0"
API_VERSION = "1.0"
API_STATUS = "stable"
AUTH_METHODS = ("2waySSL",)

# Only extensions whose endpoints exist here: the SDK changes behaviour on each one it sees.
API_EXTENSIONS: tuple[str, ...] = (
    # Applications: downloads, exports, JSON PATCH of versioned fields, and the manifest keys
    # the package check accepts and the bootstrap honours.
    "application_manifest_download",
    "application_image_export",
    "application_partial_updates",
    "application_manifest_version",
    "application_services_configuration",
    "application_watchdog_settings",
    "application_resource_customization",
    # `video-encoder`: `gpu` holds a GPU slot and a GPU encoder slot, `gpu-preferred` both where
    # a node has them free.
    "application_gpu_encoder",
    # POST /1.0/containers/<id>/exec, run by the node driver (simulated commands here).
    "container_exec",
)
