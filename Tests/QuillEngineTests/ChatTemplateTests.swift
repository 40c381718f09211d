import XCTest
@testable import QuillEngine

/// Chat-template families: detection from Jinja sources and the rendered prompt text.
final class ChatTemplateTests: XCTestCase {
    let conversation = [ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Hi")]

    func testChatMLWithTheTemplatesDefaultSystemPrompt() {
        let jinja = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
        let t = ChatTemplate(template: jinja)
        XCTAssertEqual(t.family, .chatML)
        XCTAssertNil(t.warning)
        XCTAssertEqual(t.defaultSystemPrompt, "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        XCTAssertEqual(t.render([ChatMessage(role: "user", content: "Hi")]),
                       "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        XCTAssertEqual(t.render(conversation),
                       "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    }

    func testLlama3() {
        let t = ChatTemplate(template: "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }}")
        XCTAssertEqual(t.family, .llama3)
        XCTAssertEqual(t.render(conversation, addGenerationPrompt: true),
                       "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
    }

    func testGemmaFoldsTheSystemPromptIntoTheFirstUserTurn() {
        let t = ChatTemplate(template: "{{ '<start_of_turn>' + role + '\\n' }}")
        XCTAssertEqual(t.family, .gemma)
        XCTAssertEqual(t.render(conversation + [ChatMessage(role: "assistant", content: "Hello.")], addGenerationPrompt: false),
                       "<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n")
    }

    func testMistral() {
        let t = ChatTemplate(template: "{{ '[INST] ' + message['content'] + ' [/INST]' }}")
        XCTAssertEqual(t.family, .mistral)
        XCTAssertEqual(t.render(conversation), "[INST] Be brief.\n\nHi [/INST]")
    }

    func testUnknownOrMissingTemplatesFallBackToChatMLAndSaySo() {
        XCTAssertEqual(ChatTemplate(template: "{{ messages }}").family, .chatML)
        XCTAssertNotNil(ChatTemplate(template: "{{ messages }}").warning)
        XCTAssertNotNil(ChatTemplate(template: nil).warning)
    }
}
