"""Build the one C extension; every other piece of metadata lives in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "core.attestation._dcap",
            sources=["core/attestation/_dcap.c"],
            # Intel's DCAP libraries are dlopen()ed at run time, never linked.
            libraries=["dl"],
            extra_compile_args=["-Wall", "-Wextra", "-Wno-unused-parameter"],
        )
    ],
    # The pinned Intel SGX Root CA must travel with the package, also in wheels.
    package_data={"core.attestation": ["intel_sgx_root_ca.der"]},
)
