// Package openapi is the part of OpenAPI 3.1 the library's document uses:
// the objects of the specification as plain structs that encoding/json
// writes in a fixed order, the names FastAPI gives operations and their
// summaries (so a route FastAPI Users has keeps the operation id its
// generated clients call), and the JSON Schema of a Go type as
// encoding/json reads and writes it (for the host's own user fields). It
// knows nothing of users, backends or routes: the root package describes
// those with it.
//
// Only what the document needs is modelled; fields are omitted when empty,
// so the zero Schema is the schema that accepts anything ({}).
package openapi
