# The two commands a newcomer needs: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
GEN_DIR ?= gen
PROTOS := $(shell find proto -name '*.proto' | sort)

.PHONY: run test gen bench clean

run: $(STAMP)
	$(VENV)/bin/switchyard serve $(ARGS)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# Reinstall when the metadata or the C extension's sources change.
$(STAMP): pyproject.toml $(wildcard setup.py) $(wildcard core/attestation/*.c)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

# Messages, gRPC stubs and their .pyi stubs, importable as `switchyard.…` (gen/ is a source root).
gen: $(STAMP)
	rm -rf $(GEN_DIR)/switchyard
	mkdir -p $(GEN_DIR)
	$(PY) -m grpc_tools.protoc -I proto \
		--python_out=$(GEN_DIR) --pyi_out=$(GEN_DIR) --grpc_python_out=$(GEN_DIR) \
		--plugin=protoc-gen-mypy_grpc=$(VENV)/bin/protoc-gen-mypy_grpc --mypy_grpc_out=$(GEN_DIR) \
		$(PROTOS)
	find $(GEN_DIR)/switchyard -type d -exec touch {}/__init__.py \;

bench: $(STAMP)
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
