"""The MarbleRun Coordinator domain."""
