// RUN: aster-opt %s -split-input-file -verify-diagnostics

// Parameter argument attributes (aster.name, aster.init) and #aster.init.

// expected-error @+1 {{'func.func' op argument 0: 'aster.name' must be a non-empty string (the checkpoint key)}}
func.func @name_not_string(%a: tensor<4xf32> {aster.name = 3 : i64}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument 0: 'aster.name' must be a non-empty string (the checkpoint key)}}
func.func @name_empty(%a: tensor<4xf32> {aster.name = ""}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op arguments 0 and 1 have the same name "w"}}
func.func @name_twice(%a: tensor<4xf32> {aster.name = "w"}, %b: tensor<4xf32> {aster.name = "w"}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument 0: 'aster.init' must be an #aster.init attribute, got 1.000000e+00 : f32}}
func.func @init_not_init(%a: tensor<4xf32> {aster.name = "w", aster.init = 1.0 : f32}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument 0: 'aster.init' needs a floating-point tensor argument, got 'tensor<4xi32>'}}
func.func @init_on_ints(%a: tensor<4xi32> {aster.name = "w", aster.init = #aster.init<zeros>}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument 0 has 'aster.init' but no 'aster.name': a parameter needs its checkpoint key}}
func.func @init_without_name(%a: tensor<4xf32> {aster.init = #aster.init<zeros>}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument 0: unknown attribute 'aster.dtype'; expected 'aster.name', 'aster.init' or 'aster.data'}}
func.func @unknown_arg_attr(%a: tensor<4xf32> {aster.dtype = "f32"}) {
  return
}

// -----

// expected-error @+1 {{unknown initialiser kind 'xavier'; expected zeros, ones, constant, normal or uniform}}
func.func @unknown_kind(%a: tensor<4xf32> {aster.name = "w", aster.init = #aster.init<xavier>}) {
  return
}

// -----

// expected-error @+1 {{initialiser 'normal' has no field 'low'; its fields are mean, std}}
func.func @wrong_field(%a: tensor<4xf32> {aster.name = "w", aster.init = #aster.init<normal, low = 1.0>}) {
  return
}

// -----

// expected-error @+1 {{initialiser 'zeros' has no field 'value'; it takes none}}
func.func @field_on_zeros(%a: tensor<4xf32> {aster.name = "w", aster.init = #aster.init<zeros, value = 1.0>}) {
  return
}

// -----

// expected-error @+1 {{field 'std' given twice}}
func.func @field_twice(%a: tensor<4xf32> {aster.name = "w", aster.init = #aster.init<normal, std = 1.0, std = 2.0>}) {
  return
}

// -----

// expected-error @+1 {{normal initialiser needs std > 0, got 0.000000e+00}}
func.func @std_zero(%a: tensor<4xf32> {aster.name = "w", aster.init = #aster.init<normal, std = 0.0>}) {
  return
}

// -----

// expected-error @+1 {{uniform initialiser needs low < high, got low = 1.000000e+00, high = 1.000000e+00}}
func.func @uniform_empty(%a: tensor<4xf32> {aster.name = "w", aster.init = #aster.init<uniform, low = 1.0, high = 1.0>}) {
  return
}

// -----

// expected-error @+1 {{initialiser fields must be finite numbers}}
func.func @not_finite(%a: tensor<4xf32> {aster.name = "w", aster.init = #aster.init<constant, value = 0x7FF0000000000000>}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument 0: 'aster.data' must be a non-empty string}}
func.func @data_not_string(%t: tensor<4xi32> {aster.data = 1 : i64}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument 0 has both 'aster.name' and 'aster.data': it is a parameter or data, not both}}
func.func @data_and_name(%t: tensor<4xf32> {aster.name = "w", aster.data = "x"}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op arguments 0 and 1 have the same name "x"}}
func.func @data_clash(%a: tensor<4xf32> {aster.name = "x"}, %t: tensor<4xi32> {aster.data = "x"}) {
  return
}
