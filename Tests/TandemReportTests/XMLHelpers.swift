import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// Parses `text` as XML (throws when it is not well-formed).
func parseXML(_ text: String) throws -> XMLDocument {
    try XMLDocument(xmlString: text, options: [])
}

/// Elements matching an XPath over `document`.
func elements(_ document: XMLDocument, _ xpath: String) throws -> [XMLElement] {
    try document.nodes(forXPath: xpath).compactMap { $0 as? XMLElement }
}

/// `name` attribute of `element`.
func attribute(_ element: XMLElement, _ name: String) -> String? {
    // FoundationXML's attribute(forName:) misses attributes of namespaced elements; scan them.
    element.attributes?.first { $0.name == name || $0.localName == name }?.stringValue
}
