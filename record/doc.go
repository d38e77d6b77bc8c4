// Package record holds the canonical user record that every feed reader
// produces and the reconciliation engine compares against Coupa, the field
// names of the outside contract (Coupa API names), and the files' side of
// each field's description (record.FileFields: columns and shapes).
//
// What may not live here: anything that imports another package of the
// product; it is the vocabulary both sides of the feeds/engine line share.
package record
