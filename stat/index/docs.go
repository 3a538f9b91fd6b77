package index

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Documents are small values other parts of routestat keep in the same
// store as the routes (the hijack detector's incidents): key
// 'x' | namespace | 0x00 | key, value as given. The index itself never
// reads them; reindex keeps them.

func docKey(ns, key string) []byte {
	k := make([]byte, 0, 2+len(ns)+len(key))
	k = append(k, tagDoc)
	k = append(k, ns...)
	k = append(k, 0)
	return append(k, key...)
}

// PutDoc stores value under key in namespace ns, replacing what was there.
// Neither ns nor key may be empty or contain a zero byte in ns.
func (ix *Index) PutDoc(ns, key string, value []byte) error {
	if err := checkDocNS(ns); err != nil {
		return err
	}
	if key == "" {
		return errors.New("document key is empty")
	}
	if err := ix.db.Update(func(txn *badger.Txn) error {
		return txn.Set(docKey(ns, key), value)
	}); err != nil {
		return fmt.Errorf("store document %s/%s: %w", ns, key, err)
	}
	return nil
}

// DeleteDoc removes key from namespace ns; removing a missing key is not
// an error.
func (ix *Index) DeleteDoc(ns, key string) error {
	if err := checkDocNS(ns); err != nil {
		return err
	}
	if err := ix.db.Update(func(txn *badger.Txn) error {
		return txn.Delete(docKey(ns, key))
	}); err != nil {
		return fmt.Errorf("delete document %s/%s: %w", ns, key, err)
	}
	return nil
}

// Docs calls fn for every document of namespace ns in key order; the
// value is only valid during the call. An error from fn stops the scan
// and is returned.
func (ix *Index) Docs(ns string, fn func(key string, value []byte) error) error {
	if err := checkDocNS(ns); err != nil {
		return err
	}
	prefix := docKey(ns, "")
	return ix.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Seek(prefix); it.Valid(); it.Next() {
			item := it.Item()
			key := string(item.Key()[len(prefix):])
			if err := item.Value(func(v []byte) error { return fn(key, v) }); err != nil {
				return fmt.Errorf("document %s/%s: %w", ns, key, err)
			}
		}
		return nil
	})
}

func checkDocNS(ns string) error {
	if ns == "" {
		return errors.New("document namespace is empty")
	}
	for i := 0; i < len(ns); i++ {
		if ns[i] == 0 {
			return fmt.Errorf("document namespace %q contains a zero byte", ns)
		}
	}
	return nil
}

// CopyDocs copies every document of every namespace from src to dst
// (reindex uses it to carry incidents over to the rebuilt store).
func CopyDocs(dst, src *Index) error {
	wb := dst.db.NewWriteBatch()
	defer wb.Cancel()
	err := src.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{tagDoc}})
		defer it.Close()
		for it.Seek([]byte{tagDoc}); it.Valid(); it.Next() {
			item := it.Item()
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			if err := wb.Set(item.KeyCopy(nil), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("copy documents: %w", err)
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("copy documents: %w", err)
	}
	return nil
}
