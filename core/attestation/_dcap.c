/*
 * core.attestation._dcap: a thin, defensive bridge to Intel's DCAP libraries.
 *
 * Intel's headers are not installed here (nor are they packaged in Debian or on PyPI), so
 * this file declares the few prototypes, enums and structs it needs itself, with the layouts
 * from sgx_ql_lib_common.h / sgx_dcap_ql_wrapper.h / sgx_dcap_quoteverify.h. The libraries
 * are dlopen()ed at first use, so the extension builds and imports everywhere and
 * available() tells Python whether the native path exists.
 *
 * Every entry point copies and size-checks its inputs before any library call; hostile
 * input raises TypeError/ValueError, never reaches Intel's code with a bad length.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <dlfcn.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define QUOTEVERIFY_SONAME "libsgx_dcap_quoteverify.so.1"
#define QUOTELIB_SONAME "libsgx_dcap_ql.so.1"

#define SGX_QL_SUCCESS 0x0000u
#define SGX_QL_ERROR_UNEXPECTED 0xE001u
#define SGX_QL_PLATFORM_LIB_UNAVAILABLE 0xE00Eu
#define SGX_QL_QV_RESULT_UNSPECIFIED 0xA006u

#define TARGET_INFO_SIZE 512
#define REPORT_SIZE 432
/* Real quotes are ~5 KiB; refuse anything absurd before it reaches the library. */
#define MAX_QUOTE_SIZE (1u << 20)
#define MAX_COLLATERAL_FIELD (16u << 20)

typedef uint32_t quote3_error_t;
typedef uint32_t sgx_ql_qv_result_t;

/* sgx_ql_qve_collateral_t: declared after pack(pop) in Intel's header, so natural alignment
 * (LP64: 120 bytes). */
typedef struct {
    uint32_t version;
    uint32_t tee_type;
    char *pck_crl_issuer_chain;
    uint32_t pck_crl_issuer_chain_size;
    char *root_ca_crl;
    uint32_t root_ca_crl_size;
    char *pck_crl;
    uint32_t pck_crl_size;
    char *tcb_info_issuer_chain;
    uint32_t tcb_info_issuer_chain_size;
    char *tcb_info;
    uint32_t tcb_info_size;
    char *qe_identity_issuer_chain;
    uint32_t qe_identity_issuer_chain_size;
    char *qe_identity;
    uint32_t qe_identity_size;
} sgx_ql_qve_collateral_t;

typedef quote3_error_t (*qv_verify_fn)(const uint8_t *, uint32_t, const sgx_ql_qve_collateral_t *,
                                       time_t, uint32_t *, sgx_ql_qv_result_t *, void *, uint32_t,
                                       uint8_t *);
typedef quote3_error_t (*qe_target_info_fn)(uint8_t *);
typedef quote3_error_t (*qe_quote_size_fn)(uint32_t *);
typedef quote3_error_t (*qe_quote_fn)(const uint8_t *, uint32_t, uint8_t *);

static void *qv_handle, *ql_handle;
static qv_verify_fn qv_verify;
static qe_target_info_fn qe_target_info;
static qe_quote_size_fn qe_quote_size;
static qe_quote_fn qe_quote;
static int loaded;
/* Calls running without the GIL; load() must not dlclose a library under them. */
static int in_flight;
static char qv_error[256], ql_error[256];

static void remember_error(char *slot) {
    const char *msg = dlerror();
    snprintf(slot, 256, "%s", msg ? msg : "unknown dlopen error");
}

static void unload(void) {
    if (qv_handle) dlclose(qv_handle);
    if (ql_handle) dlclose(ql_handle);
    qv_handle = ql_handle = NULL;
    qv_verify = NULL;
    qe_target_info = NULL;
    qe_quote_size = NULL;
    qe_quote = NULL;
    qv_error[0] = ql_error[0] = '\0';
}

/* Called with the GIL held, so no other thread races the handles. */
static void load_libraries(const char *qv_path, const char *ql_path) {
    unload();
    qv_handle = dlopen(qv_path ? qv_path : QUOTEVERIFY_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (qv_handle) {
        qv_verify = (qv_verify_fn)dlsym(qv_handle, "sgx_qv_verify_quote");
        if (!qv_verify) remember_error(qv_error);
    } else {
        remember_error(qv_error);
    }
    ql_handle = dlopen(ql_path ? ql_path : QUOTELIB_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (ql_handle) {
        qe_target_info = (qe_target_info_fn)dlsym(ql_handle, "sgx_qe_get_target_info");
        qe_quote_size = (qe_quote_size_fn)dlsym(ql_handle, "sgx_qe_get_quote_size");
        qe_quote = (qe_quote_fn)dlsym(ql_handle, "sgx_qe_get_quote");
        if (!qe_target_info || !qe_quote_size || !qe_quote) {
            remember_error(ql_error);
            qe_target_info = NULL;
            qe_quote_size = NULL;
            qe_quote = NULL;
        }
    } else {
        remember_error(ql_error);
    }
    loaded = 1;
}

static void ensure_loaded(void) {
    if (!loaded) load_libraries(NULL, NULL);
}

static PyObject *dcap_load(PyObject *self, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"quoteverify", "quotelib", NULL};
    const char *qv_path = NULL, *ql_path = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|zz", names, &qv_path, &ql_path)) return NULL;
    if (in_flight) {
        PyErr_SetString(PyExc_RuntimeError, "DCAP calls are running; load() later");
        return NULL;
    }
    load_libraries(qv_path, ql_path);
    return PyBool_FromLong(qv_verify != NULL);
}

static PyObject *dcap_available(PyObject *self, PyObject *unused) {
    ensure_loaded();
    return PyBool_FromLong(qv_verify != NULL);
}

static PyObject *dcap_quote_generation_available(PyObject *self, PyObject *unused) {
    ensure_loaded();
    return PyBool_FromLong(qe_quote != NULL);
}

static PyObject *dcap_load_errors(PyObject *self, PyObject *unused) {
    ensure_loaded();
    return Py_BuildValue("(ss)", qv_error, ql_error);
}

/* get_target_info() -> (rc, bytes | None) */
static PyObject *dcap_get_target_info(PyObject *self, PyObject *unused) {
    uint8_t info[TARGET_INFO_SIZE];
    quote3_error_t rc;
    ensure_loaded();
    if (!qe_target_info) return Py_BuildValue("(IO)", SGX_QL_PLATFORM_LIB_UNAVAILABLE, Py_None);
    memset(info, 0, sizeof info);
    in_flight++;
    Py_BEGIN_ALLOW_THREADS
    rc = qe_target_info(info);
    Py_END_ALLOW_THREADS
    in_flight--;
    if (rc != SGX_QL_SUCCESS) return Py_BuildValue("(IO)", rc, Py_None);
    return Py_BuildValue("(Iy#)", rc, (const char *)info, (Py_ssize_t)sizeof info);
}

/* get_quote(report: 432 bytes) -> (rc, bytes | None) */
static PyObject *dcap_get_quote(PyObject *self, PyObject *args) {
    Py_buffer report;
    uint8_t report_copy[REPORT_SIZE];
    uint32_t size = 0;
    quote3_error_t rc;
    uint8_t *quote;
    PyObject *result;
    if (!PyArg_ParseTuple(args, "y*", &report)) return NULL;
    if (report.len != REPORT_SIZE) {
        PyBuffer_Release(&report);
        return PyErr_Format(PyExc_ValueError, "sgx_report_t must be %d bytes, got %zd",
                            REPORT_SIZE, report.len);
    }
    memcpy(report_copy, report.buf, REPORT_SIZE);
    PyBuffer_Release(&report);
    ensure_loaded();
    if (!qe_quote) return Py_BuildValue("(IO)", SGX_QL_PLATFORM_LIB_UNAVAILABLE, Py_None);
    in_flight++;
    Py_BEGIN_ALLOW_THREADS
    rc = qe_quote_size(&size);
    Py_END_ALLOW_THREADS
    in_flight--;
    if (rc != SGX_QL_SUCCESS) return Py_BuildValue("(IO)", rc, Py_None);
    /* Do not trust the library's size blindly either. */
    if (size == 0 || size > MAX_QUOTE_SIZE) return Py_BuildValue("(IO)", SGX_QL_ERROR_UNEXPECTED, Py_None);
    quote = PyMem_Calloc(size, 1);
    if (!quote) return PyErr_NoMemory();
    in_flight++;
    Py_BEGIN_ALLOW_THREADS
    rc = qe_quote(report_copy, size, quote);
    Py_END_ALLOW_THREADS
    in_flight--;
    if (rc != SGX_QL_SUCCESS)
        result = Py_BuildValue("(IO)", rc, Py_None);
    else
        result = Py_BuildValue("(Iy#)", rc, (const char *)quote, (Py_ssize_t)size);
    PyMem_Free(quote);
    return result;
}

static const char *const FIELD_NAMES[7] = {
    "pck_crl_issuer_chain", "root_ca_crl", "pck_crl", "tcb_info_issuer_chain",
    "tcb_info", "qe_identity_issuer_chain", "qe_identity",
};

/* Copy one bytes value into a NUL-terminated buffer; size counts the NUL, as Intel's does. */
static int copy_field(PyObject *dict, int index, char **out, uint32_t *out_size) {
    PyObject *value = PyDict_GetItemString(dict, FIELD_NAMES[index]); /* borrowed */
    char *data;
    Py_ssize_t len;
    if (!value) {
        PyErr_Format(PyExc_ValueError, "collateral lacks %s", FIELD_NAMES[index]);
        return -1;
    }
    if (!PyBytes_Check(value)) {
        PyErr_Format(PyExc_TypeError, "collateral %s must be bytes", FIELD_NAMES[index]);
        return -1;
    }
    if (PyBytes_AsStringAndSize(value, &data, &len) < 0) return -1;
    if (len < 0 || (size_t)len >= MAX_COLLATERAL_FIELD) {
        PyErr_Format(PyExc_ValueError, "collateral %s is too large", FIELD_NAMES[index]);
        return -1;
    }
    *out = PyMem_Malloc((size_t)len + 1);
    if (!*out) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(*out, data, (size_t)len);
    (*out)[len] = '\0';
    *out_size = (uint32_t)len + 1;
    return 0;
}

/* verify_quote(quote, collateral: dict | None, expiration_check_date: int)
 *   -> (rc, sgx_ql_qv_result_t, collateral_expiration_status) */
static PyObject *dcap_verify_quote(PyObject *self, PyObject *args) {
    Py_buffer quote;
    PyObject *dict;
    long long when;
    sgx_ql_qve_collateral_t collateral;
    char *fields[7] = {0};
    uint32_t sizes[7] = {0};
    uint8_t *quote_copy = NULL;
    uint32_t expiration = 1; /* pessimistic until the library says otherwise */
    sgx_ql_qv_result_t result = SGX_QL_QV_RESULT_UNSPECIFIED;
    quote3_error_t rc;
    unsigned long version = 3;
    PyObject *ret = NULL;
    int i;

    if (!PyArg_ParseTuple(args, "y*OL", &quote, &dict, &when)) return NULL;
    if (quote.len <= 0 || (size_t)quote.len > MAX_QUOTE_SIZE) {
        PyErr_Format(PyExc_ValueError, "quote size %zd out of range", quote.len);
        goto done;
    }
    if (when < 0 || (long long)(time_t)when != when) {
        PyErr_SetString(PyExc_ValueError, "expiration_check_date out of range");
        goto done;
    }
    if (dict != Py_None && !PyDict_Check(dict)) {
        PyErr_SetString(PyExc_TypeError, "collateral must be a dict or None");
        goto done;
    }
    if (dict != Py_None) {
        PyObject *v = PyDict_GetItemString(dict, "version");
        if (v) {
            if (!PyLong_Check(v)) {
                PyErr_SetString(PyExc_TypeError, "collateral version must be an int");
                goto done;
            }
            version = PyLong_AsUnsignedLong(v);
            if (PyErr_Occurred() || version > UINT32_MAX) {
                PyErr_Clear();
                PyErr_SetString(PyExc_ValueError, "collateral version out of range");
                goto done;
            }
        }
        for (i = 0; i < 7; i++)
            if (copy_field(dict, i, &fields[i], &sizes[i]) < 0) goto done;
    }
    quote_copy = PyMem_Malloc((size_t)quote.len);
    if (!quote_copy) {
        PyErr_NoMemory();
        goto done;
    }
    memcpy(quote_copy, quote.buf, (size_t)quote.len);
    ensure_loaded();
    if (!qv_verify) {
        ret = Py_BuildValue("(III)", SGX_QL_PLATFORM_LIB_UNAVAILABLE, result, expiration);
        goto done;
    }
    memset(&collateral, 0, sizeof collateral);
    collateral.version = (uint32_t)version;
    collateral.tee_type = 0;
    collateral.pck_crl_issuer_chain = fields[0];
    collateral.pck_crl_issuer_chain_size = sizes[0];
    collateral.root_ca_crl = fields[1];
    collateral.root_ca_crl_size = sizes[1];
    collateral.pck_crl = fields[2];
    collateral.pck_crl_size = sizes[2];
    collateral.tcb_info_issuer_chain = fields[3];
    collateral.tcb_info_issuer_chain_size = sizes[3];
    collateral.tcb_info = fields[4];
    collateral.tcb_info_size = sizes[4];
    collateral.qe_identity_issuer_chain = fields[5];
    collateral.qe_identity_issuer_chain_size = sizes[5];
    collateral.qe_identity = fields[6];
    collateral.qe_identity_size = sizes[6];
    {
        uint32_t qlen = (uint32_t)quote.len;
        const sgx_ql_qve_collateral_t *cp = dict == Py_None ? NULL : &collateral;
        in_flight++;
        Py_BEGIN_ALLOW_THREADS
        /* NULL report info: the untrusted QVL verifies in-process, no QvE enclave needed. */
        rc = qv_verify(quote_copy, qlen, cp, (time_t)when, &expiration, &result, NULL, 0, NULL);
        Py_END_ALLOW_THREADS
        in_flight--;
    }
    ret = Py_BuildValue("(III)", rc, result, expiration);
done:
    PyBuffer_Release(&quote);
    PyMem_Free(quote_copy);
    for (i = 0; i < 7; i++) PyMem_Free(fields[i]);
    return ret;
}

static PyMethodDef methods[] = {
    {"available", dcap_available, METH_NOARGS,
     "True when libsgx_dcap_quoteverify.so.1 loaded and exports sgx_qv_verify_quote."},
    {"quote_generation_available", dcap_quote_generation_available, METH_NOARGS,
     "True when libsgx_dcap_ql.so.1 loaded with the sgx_qe_* quote functions."},
    {"load_errors", dcap_load_errors, METH_NOARGS,
     "(quoteverify error, quote library error) from dlopen/dlsym, '' when fine."},
    {"load", (PyCFunction)(void (*)(void))dcap_load, METH_VARARGS | METH_KEYWORDS,
     "load(quoteverify=None, quotelib=None) -> bool: (re)load the libraries from paths."},
    {"get_target_info", dcap_get_target_info, METH_NOARGS,
     "get_target_info() -> (quote3_error_t, 512-byte sgx_target_info_t | None)"},
    {"get_quote", dcap_get_quote, METH_VARARGS,
     "get_quote(report: 432-byte sgx_report_t) -> (quote3_error_t, quote | None)"},
    {"verify_quote", dcap_verify_quote, METH_VARARGS,
     "verify_quote(quote, collateral | None, expiration_check_date) -> "
     "(quote3_error_t, sgx_ql_qv_result_t, collateral_expiration_status)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "core.attestation._dcap",
    "Run-time bridge to Intel SGX DCAP quote generation and verification libraries.", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__dcap(void) {
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    if (PyModule_AddIntConstant(m, "SGX_QL_SUCCESS", SGX_QL_SUCCESS) < 0 ||
        PyModule_AddIntConstant(m, "SGX_QL_PLATFORM_LIB_UNAVAILABLE",
                                SGX_QL_PLATFORM_LIB_UNAVAILABLE) < 0 ||
        PyModule_AddIntConstant(m, "TARGET_INFO_SIZE", TARGET_INFO_SIZE) < 0 ||
        PyModule_AddIntConstant(m, "REPORT_SIZE", REPORT_SIZE) < 0 ||
        PyModule_AddIntConstant(m, "MAX_QUOTE_SIZE", MAX_QUOTE_SIZE) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
