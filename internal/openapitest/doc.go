// Package openapitest holds the tests of the library's OpenAPI document
// that need a validator (github.com/getkin/kin-openapi): the document
// loads and validates as OpenAPI 3.1 in every configuration, its operation
// ids and schema names are FastAPI Users' for the routes FastAPI Users has
// (testdata/fastapi-users-openapi.json is the openapi.json a FastAPI Users
// 14 server served), and the requests and answers of the main flows,
// recorded from the real routes, validate against it. It has no code:
// hosts never import it, so the validator stays out of their builds and
// go.sum.
package openapitest
