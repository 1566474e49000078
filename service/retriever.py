"""Humus as a LangChain retriever, for users who build their own chains."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from index.kb import KnowledgeBase


class HumusRetriever(BaseRetriever):
    """Best chunk of each matching document, with its source, page and scores in the metadata.

    >>> retriever = HumusRetriever(kb=KnowledgeBase.open(Path(".humus")), k=5, filters=["language=en"])
    >>> retriever.invoke("cover crops in dry climates")
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    kb: KnowledgeBase
    k: int = 5
    mode: str = "hybrid"
    lang: str | None = None
    filters: list[str] = Field(default_factory=list)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        result = self.kb.search(query, k=self.k, lang=self.lang, mode=self.mode, filters=self.filters)
        docs = []
        for hit in result.hits:
            chunk = self.kb.store.chunk_texts([hit.chunk_id])[hit.chunk_id]
            metadata: dict[str, Any] = {
                "doc_id": hit.doc_id,
                "title": hit.title,
                "source": hit.source,
                "path": hit.path,
                "page": hit.page,
                "section": hit.section,
                "lang": hit.lang,
                "score": hit.score,
                "found_by": hit.found_by,
                "doc_type": hit.doc_type,
            }
            docs.append(Document(page_content=chunk["text"], metadata=metadata))
        return docs
