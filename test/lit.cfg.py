# -*- Python -*-
# lit configuration for the Aster test suite.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "ASTER"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".py", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.aster_obj_root, "test")
# Helpers imported by the Python tests, and lit's own files, are not tests.
config.excludes = ["lib", "Inputs", "lit.cfg.py", "lit.site.cfg.py", "CMakeLists.txt",
                   "run_node_tests.py"]

config.environment["FILECHECK_OPTS"] = "-enable-var-scope"
config.environment["PYTHONPATH"] = os.path.join(config.test_source_root, "lib")
config.environment["ASTER_TOOLS_DIR"] = config.aster_tools_dir

llvm_config.use_default_substitutions()
# use_default_substitutions() defines %python as the Python running lit, and
# lit applies the first match: replace it with the configured one (the venv,
# which has numpy), whichever Python runs lit.
config.substitutions = [s for s in config.substitutions if s[0] != "%python"]
config.substitutions.append(("%python", '"%s"' % config.python_executable))
config.substitutions.append(("%aster_src_root", config.aster_src_root))
config.substitutions.append(("%aster_obj_root", config.aster_obj_root))
# The stand-in driver (test/Runtime/fake-cuda): LD_LIBRARY_PATH=%fake_cuda.
config.substitutions.append(("%fake_cuda", os.path.join(config.aster_obj_root, "test", "fake-cuda")))
config.substitutions.append(("%examples", os.path.join(config.aster_src_root, "examples")))

tool_dirs = [config.aster_tools_dir, config.llvm_tools_dir]
tools = ["aster-compile", "aster-opt", "aster-reference", "aster-run"]
llvm_config.add_tool_substitutions(tools, tool_dirs)
llvm_config.with_environment("PATH", config.aster_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# GPU toolchains and devices. Device code generation needs the vendor's
# toolkit pieces (ptxas and libdevice; the ROCm device libraries, which
# scripts/setup.sh installs from Debian); running needs the GPU itself.
# Tests that need one say REQUIRES: and are reported unsupported elsewhere.
import shutil
import subprocess

cuda_root = os.environ.get("CUDA_HOME", "/usr/local/cuda")
if os.access(os.path.join(cuda_root, "bin", "ptxas"), os.X_OK) and \
        os.path.isdir(os.path.join(cuda_root, "nvvm", "libdevice")):
    config.available_features.add("cuda-toolkit")
for rocm in (os.environ.get("ROCM_PATH", "/opt/rocm"), "/usr/lib/x86_64-linux-gnu", "/usr"):
    if os.path.exists(os.path.join(rocm, "amdgcn", "bitcode", "ocml.bc")):
        config.available_features.add("rocm-device-libs")
        break
if shutil.which("nvidia-smi"):
    probe = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True)
    if probe.returncode == 0 and "GPU" in probe.stdout:
        config.available_features.add("gpu")
config.substitutions.append(("%ptxas", os.path.join(cuda_root, "bin", "ptxas")))
