{
  "targets": [{
    "target_name": "lumen_bpf",
    "sources": [
      "native/addon.cc", "native/errors.cc", "native/object.cc", "native/rodata.cc", "native/link.cc",
      "native/attach.cc", "native/tc.cc", "native/maps.cc", "native/ringbuf.cc", "native/ring_methods.cc", "native/cpu_priority.cc"
    ],
    "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
    "defines": ["NAPI_VERSION=8"],
    "cflags_cc": ["-O2", "-std=c++17", "-Wall", "-Wno-missing-field-initializers"],
    "libraries": ["-lbpf", "-lelf", "-lz"]
  }]
}
