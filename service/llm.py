"""Optional answer generation: a LangChain chat model chosen in settings (off by default).

`HUMUS_LLM_PROVIDER=openai` uses an OpenAI-compatible endpoint (`HUMUS_LLM_BASE_URL`, `HUMUS_LLM_MODEL`,
`HUMUS_LLM_API_KEY`; needs `pip install langchain-openai`); `ollama` a local Ollama server (needs
`pip install langchain-ollama`). Without a provider, answers are extractive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from service.settings import Settings

PACKAGES = {"openai": "langchain-openai", "ollama": "langchain-ollama"}


class LLMUnavailableError(RuntimeError):
    pass


def load_llm(settings: Settings) -> BaseChatModel | None:
    provider = settings.llm_provider
    if provider == "none":
        return None
    if not settings.llm_model:
        raise LLMUnavailableError(f"HUMUS_LLM_PROVIDER={provider} needs HUMUS_LLM_MODEL")
    try:
        if provider == "openai":
            from langchain_openai import ChatOpenAI

            key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
            return ChatOpenAI(model=settings.llm_model, base_url=settings.llm_base_url, api_key=key, timeout=60)
        from langchain_ollama import ChatOllama

        return ChatOllama(model=settings.llm_model, base_url=settings.llm_base_url or "http://127.0.0.1:11434")
    except ImportError as exc:
        raise LLMUnavailableError(
            f"HUMUS_LLM_PROVIDER={provider} needs the package {PACKAGES[provider]}: pip install {PACKAGES[provider]}"
        ) from exc
